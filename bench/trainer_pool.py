"""Benchmark: PPO throughput of the device pool, 1 slot against 2 slots, in the same run.

    python bench/trainer_pool.py [--task Cartpole] [--jobs 4] [--epochs 30] [--num-envs 256]

Prints env-steps/s for each pool size and the ratio (2 slots / 1 slot).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sim.registry import task_names
from tools.pool import DevicePool
from tools.trainer import make_job


async def throughput(task: str, slots: int, jobs: int, ppo: dict, root: Path) -> float:
    pool = DevicePool("cpu", trainers_per_device=slots)
    started = time.perf_counter()
    results = await asyncio.gather(
        *(pool.run(make_job(task, "human", root / f"s{slots}-j{i}", seed=i, ppo=ppo)) for i in range(jobs))
    )
    wall = time.perf_counter() - started
    failed = [r["error"] for r in results if r["status"] != "trained"]
    if failed:
        raise SystemExit(f"benchmark job failed: {failed[0]}")
    return sum(r["env_steps"] for r in results) / wall


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--task", default="Cartpole", choices=task_names())
    p.add_argument("--jobs", type=int, default=4)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--num-envs", type=int, default=256)
    args = p.parse_args()
    ppo = {"num_envs": args.num_envs, "max_epochs": args.epochs}
    with tempfile.TemporaryDirectory() as tmp:
        one = asyncio.run(throughput(args.task, 1, args.jobs, ppo, Path(tmp)))
        two = asyncio.run(throughput(args.task, 2, args.jobs, ppo, Path(tmp)))
    print(f"{'pool':<10}{'env-steps/s':>14}")
    print(f"{'1 slot':<10}{one:>14.0f}")
    print(f"{'2 slots':<10}{two:>14.0f}")
    print(f"ratio 2 slots / 1 slot: {two / one:.2f}x")


if __name__ == "__main__":
    main()
