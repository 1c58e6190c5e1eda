"""The MuJoCo backend: CPU-batched physics with mujoco.rollout, named state from sensors."""
