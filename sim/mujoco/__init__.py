"""The MuJoCo backend: CPU-batched physics with mujoco.rollout, named state from sensors."""

import os

# Offscreen rendering (EGL), no display needed. mujoco reads it when it is first imported, so it is set
# here, before any module of this package imports mujoco.
os.environ.setdefault("MUJOCO_GL", "egl")
