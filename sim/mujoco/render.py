"""Render a policy rollout of a MuJoCo task to an mp4, headless (EGL offscreen rendering).

The command that trains first and then renders is ``python -m tools.render``.
"""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import mujoco
import numpy as np

from sim.mujoco.batch import STATE_KIND
from sim.mujoco.task import MujocoTask
from sim.rl.policy import Policy


def render_rollout(
    task: MujocoTask, policy, out: Path, seconds: float, width: int = 640, height: int = 480
) -> int:
    """Roll env 0 out under ``policy`` for ``seconds`` and write an mp4; returns the frame count."""
    model = task.sim.model
    data = mujoco.MjData(model)
    renderer = mujoco.Renderer(model, height, width)
    camera = mujoco.MjvCamera()
    camera.type = mujoco.mjtCamera.mjCAMERA_TRACKING
    camera.trackbodyid = model.body(task.camera_body or task.tracked_bodies[0]).id
    camera.distance, camera.elevation, camera.azimuth = task.camera_distance, -20.0, 90.0
    fps = round(1.0 / task.dt)
    frames = int(seconds * fps)
    writer = imageio_ffmpeg.write_frames(str(out), (width, height), fps=fps, quality=7, macro_block_size=8)
    writer.send(None)
    obs = task.reset()
    for _ in range(frames):
        _, done, _ = task.step(policy(obs))
        mujoco.mj_setState(model, data, task.sim.state[0], STATE_KIND)
        task.show_goal(data, 0)
        mujoco.mj_forward(model, data)
        renderer.update_scene(data, camera)
        writer.send(np.ascontiguousarray(renderer.render()))
        task.reset_envs(done.nonzero(as_tuple=False).squeeze(-1))
        obs = task.observations()
    writer.close()
    renderer.close()
    return frames


def render_checkpoint(task: MujocoTask, checkpoint: str | Path, out: Path, seconds: float) -> int:
    """Render the policy saved in ``checkpoint`` (raises CheckpointError if it does not fit the task)."""
    return render_rollout(task, Policy(task, checkpoint), out, seconds)
