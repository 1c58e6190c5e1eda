"""Env-steps/s of each task's raw batched stepping against PPO training on it, side by side.

    python bench/sim_throughput.py [--tasks Cartpole Ant] [--num-envs 256] [--steps 200] [--epochs 10]

Raw stepping applies random actions and resets finished envs (no policy, no reward);
PPO runs the Trainer tool with the task's human reward. The ratio is the share of
time PPO spends outside the simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import torch

from sim.registry import SIMS, check_backend, make_task, task_names
from tools.pool import DevicePool
from tools.trainer import make_job


def raw_steps_per_s(task_name: str, num_envs: int, steps: int, sim: str = "default") -> float:
    torch.set_num_threads(1)
    task = make_task(task_name, num_envs=num_envs, seed=0, sim=sim)
    generator = torch.Generator().manual_seed(0)
    started = time.perf_counter()
    for _ in range(steps):
        actions = torch.rand(num_envs, task.num_actions, generator=generator) * 2 - 1
        _, done, _ = task.step(actions)
        task.reset_envs(done.nonzero(as_tuple=False).squeeze(-1))
        task.observations()
    return num_envs * steps / (time.perf_counter() - started)


def ppo_steps_per_s(task_name: str, num_envs: int, epochs: int, sim: str = "default") -> float:
    with tempfile.TemporaryDirectory() as tmp:
        job = make_job(
            task_name, "human", Path(tmp) / "job", ppo={"num_envs": num_envs, "max_epochs": epochs}, sim=sim
        )
        result = asyncio.run(DevicePool("cpu").run(job))
    if result["status"] != "trained":
        raise SystemExit(f"{task_name}: training failed: {result['error']}")
    return result["steps_per_s"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", nargs="+", default=task_names(), choices=task_names(), metavar="TASK")
    p.add_argument("--num-envs", type=int, default=256)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument(
        "--sim", choices=SIMS, default="default", help="the physics backend (mjwarp: the [gpu] extra)"
    )
    args = p.parse_args()
    for name in args.tasks:
        try:
            check_backend(args.sim, name)
        except ValueError as exc:
            p.error(str(exc))
    print(f"{'task':<14}{'raw steps/s':>14}{'PPO steps/s':>14}{'raw / PPO':>11}", flush=True)
    for name in args.tasks:
        started = time.perf_counter()
        raw = raw_steps_per_s(name, args.num_envs, args.steps, args.sim)
        first = time.perf_counter() - started  # with mjwarp, Warp's kernel compilation is in this first run
        ppo = ppo_steps_per_s(name, args.num_envs, args.epochs, args.sim)
        print(
            f"{name:<14}{raw:>14.0f}{ppo:>14.0f}{raw / ppo:>10.1f}x  "
            f"(first raw run, set-up included: {first:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
