"""Which PPO budget tells rewards apart? The task's Sparse and Human rewards at several epoch budgets, over seeds.

    python bench/bench_budget.py --task Cartpole --epochs 10,20,40 [--seeds 3] [--num-envs N]

Trains both rewards on each budget and seed (the benchmark's held-out seeds) and prints their clean fitness,
mean ± std, and the separation (Human − Sparse) / pooled std. The benchmark budget of a task
(``configs/tasks/<Task>.yaml``: ``bench:``) is the smallest at which the two differ clearly: at the default
budgets Cartpole and BallBalance saturate for every method, so they would prove nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from graph.nodes.stage import EVAL_SEED_OFFSET
from sim.registry import task_names
from tools.jobs import clean_fitness
from tools.pool import DevicePool
from tools.trainer import make_job


async def measure(task: str, epochs: list[int], seeds: list[int], num_envs: int | None, trainers: int,
                  root: Path) -> dict[tuple[int, str], list[float | None]]:  # fmt: skip
    pool = DevicePool("cpu", trainers_per_device=trainers)

    async def one(budget: int, reward: str, seed: int) -> float | None:
        ppo = {"max_epochs": budget, **({"num_envs": num_envs} if num_envs else {})}
        return clean_fitness(await pool.run(make_job(task, reward, root / f"{budget}-{reward}-{seed}", seed, ppo)))

    keys = [(b, r) for b in epochs for r in ("sparse", "human")]
    figures = await asyncio.gather(*(one(b, r, s) for b, r in keys for s in seeds))
    return {key: figures[i * len(seeds):(i + 1) * len(seeds)] for i, key in enumerate(keys)}


def summary(values: list[float | None]) -> tuple[float, float]:
    known = [v for v in values if v is not None]
    return (statistics.fmean(known), statistics.pstdev(known)) if known else (float("nan"), float("nan"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", required=True, choices=task_names())
    p.add_argument("--epochs", required=True, help="comma-separated epoch budgets")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--num-envs", type=int)
    p.add_argument("--trainers", type=int, default=2)
    args = p.parse_args()
    epochs = [int(e) for e in args.epochs.split(",")]
    seeds = [EVAL_SEED_OFFSET + i for i in range(args.seeds)]
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(measure(args.task, epochs, seeds, args.num_envs, args.trainers, Path(tmp)))
    print(f"{args.task}, seeds {seeds}")
    print(f"{'epochs':>7}{'Sparse':>22}{'Human':>22}{'separation':>12}")
    for budget in epochs:
        (sm, ss), (hm, hs) = summary(results[budget, "sparse"]), summary(results[budget, "human"])
        pooled = ((ss**2 + hs**2) / 2) ** 0.5
        separation = (hm - sm) / pooled if pooled > 0 else float("inf") if hm != sm else 0.0
        print(f"{budget:>7}{f'{sm:.4g} ± {ss:.3g}':>22}{f'{hm:.4g} ± {hs:.3g}':>22}{separation:>12.2f}")


if __name__ == "__main__":
    main()
