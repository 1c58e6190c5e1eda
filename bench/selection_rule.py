"""Benchmark: which figure over a candidate's seeds picks a reward that holds up on held-out seeds?

    python bench/selection_rule.py --task BallBalance --run runs/<a run> ... --seeds 8 --out FILE.json
    python bench/selection_rule.py --figures FILE.json          # the analysis again, no training

Trains every program the runs trained (and the task's human and sparse rewards) on ``--seeds`` seeds at the
task's benchmark budget, clean-evaluated; programs equal to the last digit on every seed count once (the
search refuses such copies by behaviour). Then it replays the ``robust`` search on those figures many times:
each draw deals every program's seeds at random into search seeds and held-out ones, groups the programs
into iterations of ``--samples``, gives each iteration's ``--top-k`` best (by their first seed) two more
seeds, and picks the best by each rule (a figure over more seeds first, as the search does). Per rule it
prints the chosen reward's held-out mean, its regret (the best program's mean over all seeds minus the
chosen one's), and the selection gap in held-out standard deviations: its median over the draws, the share
of draws where it is at most 1, and that share for the gap of the chosen reward's mean over its search seeds.
``eureka`` is the paper's rule (one seed, argmax) for reference. It does so for the runs' programs, then with
Human and Sparse among them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
from pathlib import Path

from rung_placement import distinct_programs, measure, run_rewards

from sim.registry import task_config
from sim.rl.ppo_config import ppo_config
from tools.trainer import resolve_reward

SEARCH_SEEDS = 3  # a top candidate's seeds in the search (its first + extra_seeds 2)
HELD_OUT = 3  # the final evaluation's seeds


def sem_bound(figures: list[float]) -> float:
    """The mean less one standard error (a lucky seed raises the mean and the spread alike)."""
    if len(figures) < 2:
        return figures[0]
    return statistics.fmean(figures) - statistics.stdev(figures) / len(figures) ** 0.5


RULES = {"mean": statistics.fmean, "median": statistics.median, "mean-sem": sem_bound, "min": min}


def draw(figures: dict[str, list[float]], rng: random.Random, samples: int, top_k: int) -> dict:
    """One replay of the search: {program: (search figures, held-out figures)}."""
    names = sorted(figures)  # the draws depend on the seed alone, not on the programs' order
    rng.shuffle(names)
    dealt = {n: rng.sample(figures[n], len(figures[n])) for n in names}
    search = {n: dealt[n][:1] for n in names}
    for i in range(0, len(names), samples):
        iteration = sorted(names[i : i + samples], key=lambda n: -search[n][0])
        for n in iteration[:top_k]:
            search[n] = dealt[n][:SEARCH_SEEDS]
    return {n: (search[n], dealt[n][SEARCH_SEEDS : SEARCH_SEEDS + HELD_OUT]) for n in names}


def choose(dealt: dict, rule: str) -> tuple[str, float]:
    """The program a rule picks and the figure it was picked by."""
    if rule == "eureka":
        best = max(dealt, key=lambda n: dealt[n][0][0])
        return best, dealt[best][0][0]
    best = max(dealt, key=lambda n: (len(dealt[n][0]), RULES[rule](dealt[n][0])))
    return best, RULES[rule](dealt[best][0])


def analyse(figures: dict[str, list[float]], draws: int, samples: int, top_k: int, seed: int) -> None:
    true_mean = {n: statistics.fmean(f) for n, f in figures.items()}
    best_true = max(true_mean.values())
    rng = random.Random(seed)
    dealt = [draw(figures, rng, samples, top_k) for _ in range(draws)]
    print(
        f"{len(figures)} programs x {min(map(len, figures.values()))}+ seeds; {draws} draws, iterations of "
        f"{samples}, top {top_k} get {SEARCH_SEEDS} seeds, {HELD_OUT} held out; best mean over all seeds "
        f"{best_true:.4g}"
    )
    print(
        f"{'rule':<10}{'held-out mean':>15}{'regret':>10}{'gap (sd), median':>18}{'gap <= 1 sd':>13}"
        f"{'of its mean':>13}"
    )
    for rule in ("eureka", *RULES):
        held, regret, gaps, mean_gaps = [], [], [], []
        for d in dealt:
            best, figure = choose(d, rule)
            out = d[best][1]
            mean, sd = statistics.fmean(out), statistics.stdev(out)
            held.append(mean)
            regret.append(best_true - true_mean[best])
            gaps.append(in_sd(figure - mean, sd))
            mean_gaps.append(in_sd(statistics.fmean(d[best][0]) - mean, sd))
        print(
            f"{rule:<10}{statistics.fmean(held):>15.4g}{statistics.fmean(regret):>10.4g}"
            f"{statistics.median(gaps):>18.2f}{share_within(gaps):>13.0%}{share_within(mean_gaps):>13.0%}"
        )


def in_sd(gap: float, sd: float) -> float:
    """A selection gap in held-out standard deviations (a positive gap over a zero deviation: infinitely
    many)."""
    return gap / sd if sd > 0 else (0.0 if gap <= 0 else float("inf"))


def share_within(gaps: list[float]) -> float:
    return sum(g <= 1 for g in gaps) / len(gaps)


def one_per_behaviour(figures: dict[str, list[float]]) -> dict[str, list[float]]:
    """Programs equal to the last digit on every seed count once, by their first name: the search would have
    refused the copies by behaviour."""
    first: dict[tuple[float, ...], str] = {}
    for name, seeds in figures.items():
        first.setdefault(tuple(seeds), name)
    return {name: list(seeds) for seeds, name in first.items()}


def per_seed(rows: list[dict]) -> dict[str, list[float]]:
    """Each program's clean fitness per seed, from ``rung_placement.measure``'s rows
    (a failed training left out)."""
    figures: dict[str, list[float]] = {}
    for row in rows:
        if row["final"] is not None:
            figures.setdefault(row["name"], []).append(row["final"])
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", default="BallBalance")
    p.add_argument(
        "--run", type=Path, nargs="*", default=[], help="run directories: every program they trained"
    )
    p.add_argument("--figures", type=Path, help="a figures file written by --out: analyse it, train nothing")
    p.add_argument("--out", type=Path, help="write the per-seed figures here")
    p.add_argument("--seeds", type=int, default=8)
    p.add_argument("--max-epochs", type=int, help="default: the task's benchmark budget")
    p.add_argument("--trainers", type=int, default=2)
    p.add_argument("--samples", type=int, default=4, help="programs per iteration")
    p.add_argument("--top-k", type=int, default=2)
    p.add_argument("--draws", type=int, default=4000)
    args = p.parse_args()
    if args.figures:
        figures = json.loads(args.figures.read_text())["figures"]
    else:
        budget = task_config(args.task).get("bench") or {}
        cfg = ppo_config(
            args.task, {**budget, **({"max_epochs": args.max_epochs} if args.max_epochs else {})}
        )
        programs = [(spec, resolve_reward(args.task, spec)[1]) for spec in ("human", "sparse")]
        programs += [program for run in args.run for program in run_rewards(run)]
        programs = distinct_programs(programs)
        ppo = {"max_epochs": cfg["max_epochs"], "num_envs": cfg["num_envs"]}
        with tempfile.TemporaryDirectory() as tmp:
            rows = asyncio.run(measure(args.task, programs, [], ppo, args.seeds, args.trainers, Path(tmp)))
        figures = per_seed(rows)
        if args.out:
            args.out.write_text(json.dumps({"task": args.task, "ppo": ppo, "figures": figures}, indent=1))
    figures = {n: f for n, f in figures.items() if len(f) >= SEARCH_SEEDS + HELD_OUT}
    figures = one_per_behaviour(figures)
    programs = {n: f for n, f in figures.items() if not n.endswith(("-human", "-sparse"))}
    if programs:
        print("The runs' programs:")
        analyse(programs, args.draws, args.samples, args.top_k, seed=0)
        print("\nWith the human and sparse rewards among them:")
    analyse(figures, args.draws, args.samples, args.top_k, seed=0)


if __name__ == "__main__":
    main()
