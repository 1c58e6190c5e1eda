"""Render a trained MuJoCo policy to an mp4, training the task's human reward first if needed.

    python -m tools.render --task Ant --checkpoint runs/.../nn/best.pth --out ant.mp4
    python -m tools.render --task Ant --train-epochs 200 --out ant.mp4   # train, then render

Without --checkpoint it first trains the task's human reward with the Trainer tool.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sim.mujoco.render import render_checkpoint
from sim.mujoco.task import MujocoTask
from sim.registry import UnknownTaskError, make_task
from sim.rl.checkpoint import CheckpointError
from tools.pool import DevicePool
from tools.trainer import make_job


def train_human_reward(task: str, epochs: int, out_dir: Path) -> dict:
    """Train ``task``'s human reward with the Trainer tool; return its result."""
    job = make_job(task, "human", out_dir, ppo={"max_epochs": epochs})
    return asyncio.run(DevicePool("cpu").run(job))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tools.render",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
        result = train_human_reward(args.task, args.train_epochs, args.out.parent / f"{args.out.stem}-train")
        if result["status"] != "trained":
            print(f"error: training failed: {result['error']}", file=sys.stderr)
            return 1
        checkpoint = result["checkpoint"]
        print(f"trained {args.task}: fitness {result['fitness_max']}, checkpoint {checkpoint}")
    try:
        frames = render_checkpoint(task, checkpoint, args.out, args.seconds)
    except CheckpointError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({frames} frames, {args.seconds:g} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
