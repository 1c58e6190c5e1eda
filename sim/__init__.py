"""Batched simulators: tasks that expose named torch state to reward programs."""
