"""Which PPO budget tells rewards apart? The task's Sparse and Human rewards at several epoch budgets,
over seeds.

    python bench/bench_budget.py --task Cartpole --epochs 10,20,40 [--seeds 3] [--num-envs N]
        [--blocks 0,1000] [--rewards human]

Trains both rewards on each budget and seed (the benchmark's held-out seeds) and prints their clean fitness,
mean ± std, and the separation (Human − Sparse) / pooled std. The benchmark budget of a task
(``configs/tasks/<Task>.yaml``: ``bench:``) is the smallest at which the two differ clearly: at the default
budgets Cartpole and BallBalance saturate for every method, so they would prove nothing.

``--blocks`` trains ``--seeds`` seeds from each first seed given (default: the held-out block, 1000) and, with
two blocks, prints Welch's t of each reward between them: the search's seeds (0-) and the held-out ones
(1000-) should train alike (sim/seeding.py).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
from pathlib import Path

from graph.nodes.stage import EVAL_SEED_OFFSET
from sim.registry import task_names
from tools.jobs import clean_fitness
from tools.pool import DevicePool
from tools.trainer import make_job

REWARDS = ("sparse", "human")


async def measure(
    task: str,
    epochs: list[int],
    seeds: list[int],
    num_envs: int | None,
    trainers: int,
    root: Path,
    rewards: tuple[str, ...] = REWARDS,
) -> dict[tuple[int, str], list[float | None]]:
    pool = DevicePool("cpu", trainers_per_device=trainers)

    async def one(budget: int, reward: str, seed: int) -> float | None:
        ppo = {"max_epochs": budget, **({"num_envs": num_envs} if num_envs else {})}
        return clean_fitness(
            await pool.run(make_job(task, reward, root / f"{budget}-{reward}-{seed}", seed, ppo))
        )

    keys = [(b, r) for b in epochs for r in rewards]
    figures = await asyncio.gather(*(one(b, r, s) for b, r in keys for s in seeds))
    return {key: figures[i * len(seeds) : (i + 1) * len(seeds)] for i, key in enumerate(keys)}


def summary(values: list[float | None]) -> tuple[float, float]:
    known = [v for v in values if v is not None]
    return (statistics.fmean(known), statistics.pstdev(known)) if known else (float("nan"), float("nan"))


def welch_t(a: list[float | None], b: list[float | None]) -> float:
    """Welch's t of b's mean over a's (sample variances); nan without two known values on each side."""
    a, b = [v for v in a if v is not None], [v for v in b if v is not None]
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    se = (statistics.variance(a) / len(a) + statistics.variance(b) / len(b)) ** 0.5
    diff = statistics.fmean(b) - statistics.fmean(a)
    return diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(float("inf"), diff))


def print_block(task: str, seeds: list[int], figures: dict[tuple[int, str], list[float | None]]) -> None:
    """One block's table: each budget's figures per reward and, with both rewards, their separation."""
    rewards = sorted({r for _, r in figures}, key=REWARDS.index)
    print(f"{task}, seeds {seeds}")
    print(
        f"{'epochs':>7}"
        + "".join(f"{r.capitalize():>22}" for r in rewards)
        + (f"{'separation':>12}" if len(rewards) == 2 else "")
    )
    for budget in sorted({b for b, _ in figures}):
        stats = {r: summary(figures[budget, r]) for r in rewards}
        line = f"{budget:>7}" + "".join(f"{f'{m:.4g} ± {sd:.3g}':>22}" for m, sd in stats.values())
        if len(rewards) == 2:
            (sm, ss), (hm, hs) = stats["sparse"], stats["human"]
            pooled = ((ss**2 + hs**2) / 2) ** 0.5
            line += f"{(hm - sm) / pooled if pooled > 0 else float('inf') if hm != sm else 0.0:>12.2f}"
        print(line)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", required=True, choices=task_names())
    p.add_argument("--epochs", required=True, help="comma-separated epoch budgets")
    p.add_argument("--seeds", type=int, default=3, help="seeds per block")
    p.add_argument("--num-envs", type=int)
    p.add_argument("--trainers", type=int, default=2)
    p.add_argument(
        "--blocks",
        default=str(EVAL_SEED_OFFSET),
        help=f"comma-separated first seeds of the blocks (default {EVAL_SEED_OFFSET}: the held-out seeds)",
    )
    p.add_argument(
        "--rewards", default=",".join(REWARDS), help="comma-separated, of: sparse, human (default both)"
    )
    args = p.parse_args()
    epochs = [int(e) for e in args.epochs.split(",")]
    blocks = [int(b) for b in args.blocks.split(",")]
    rewards = tuple(args.rewards.split(","))
    if not set(rewards) <= set(REWARDS):
        p.error(f"--rewards {args.rewards!r}: name sparse, human or both")
    seeds = [b + i for b in blocks for i in range(args.seeds)]
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(
            measure(args.task, epochs, seeds, args.num_envs, args.trainers, Path(tmp), rewards)
        )
    per_block = {
        b: {key: values[k * args.seeds : (k + 1) * args.seeds] for key, values in results.items()}
        for k, b in enumerate(blocks)
    }
    for b in blocks:
        print_block(args.task, [b + i for i in range(args.seeds)], per_block[b])
    for b in blocks[1:]:
        for budget in epochs:
            ts = ", ".join(
                f"{r.capitalize()} {welch_t(per_block[blocks[0]][budget, r], per_block[b][budget, r]):.2f}"
                for r in rewards
            )
            print(f"Welch t of seeds {b}- over seeds {blocks[0]}- at {budget} epochs: {ts}")


if __name__ == "__main__":
    main()
