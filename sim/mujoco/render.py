"""Render a policy rollout of a MuJoCo task to an mp4, headless (EGL offscreen rendering).

    python -m sim.mujoco.render --task Ant --checkpoint runs/.../nn/best.pth --out ant.mp4
    python -m sim.mujoco.render --task Ant --train-epochs 200 --out ant.mp4   # train, then render

Without --checkpoint it first trains the task's human reward with the Trainer tool.
"""

from __future__ import annotations

import os

os.environ.setdefault("MUJOCO_GL", "egl")  # before mujoco is imported: no display needed

import argparse  # noqa: E402
import asyncio  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import imageio_ffmpeg  # noqa: E402
import mujoco  # noqa: E402
import numpy as np  # noqa: E402

from sim.checkpoint import CheckpointError  # noqa: E402
from sim.mujoco.batch import STATE_KIND  # noqa: E402
from sim.mujoco.task import MujocoTask  # noqa: E402
from sim.policy import Policy  # noqa: E402
from sim.registry import UnknownTaskError, make_task  # noqa: E402


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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.mujoco.render", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--task", required=True)
    p.add_argument("--checkpoint", help="an rl_games checkpoint (.pth); omit to train the human reward first")
    p.add_argument("--train-epochs", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--out", type=Path, default=Path("rollout.mp4"))
    args = p.parse_args(argv)
    if args.seconds <= 0:
        p.error(f"--seconds must be > 0, got {args.seconds:g}")
    if args.train_epochs < 1:
        p.error(f"--train-epochs must be >= 1, got {args.train_epochs}")
    try:
        task = make_task(args.task, num_envs=1)
    except UnknownTaskError as exc:
        p.error(str(exc))
    if not isinstance(task, MujocoTask):
        p.error(f"{args.task} is not a MuJoCo task")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = args.checkpoint
    if checkpoint is None:
        from tools.pool import DevicePool
        from tools.trainer import make_job

        job = make_job(args.task, "human", args.out.parent / f"{args.out.stem}-train",
                       ppo={"max_epochs": args.train_epochs})  # fmt: skip
        result = asyncio.run(DevicePool("cpu").run(job))
        if result["status"] != "trained":
            print(f"error: training failed: {result['error']}", file=sys.stderr)
            return 1
        checkpoint = result["checkpoint"]
        print(f"trained {args.task}: fitness {result['fitness_max']}, checkpoint {checkpoint}")
    try:
        policy = Policy(task, checkpoint)
    except CheckpointError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    frames = render_rollout(task, policy, args.out, args.seconds)
    print(f"wrote {args.out} ({frames} frames, {args.seconds:g} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
