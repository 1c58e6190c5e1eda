"""The Eureka loop as a LangGraph state machine."""
