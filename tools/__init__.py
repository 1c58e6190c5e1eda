"""Tools the agents call: the Trainer, the device pool, isolated execution, reward checks."""
