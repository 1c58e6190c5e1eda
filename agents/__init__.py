"""The LLM agents (Coder, Critic) and the one LLM gateway they share."""
