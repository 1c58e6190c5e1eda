"""IsaacGymEnvs tasks through the task contract (``--sim isaacgym``); see sim/isaacgym/adapter.py."""
