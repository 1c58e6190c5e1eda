"""Benchmark: where may a rung sit? Early clean fitness against the final one, for real reward programs.

    python bench/rung_placement.py --task Cartpole --run runs/<a Cartpole run> ...
        [--fractions 0.125,0.25,0.5]

Trains the task's human and sparse rewards and every program the runs trained (``--run DIR ...``; or
``--rewards FILE ...``) to the full budget, with a policy snapshot clean-evaluated at each fraction of the
budget (the search's rungs, never stopping here). For each fraction it prints the rank correlation of the
snapshot's figure with the final one, how many programs a rung keeping ``--keep`` of them would stop,
the share of env-steps that saves, and whether it would stop a winner (a program within ``--tolerance``
of the best final figure). A rung that stops a winner sits too early.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
from pathlib import Path

from graph.results.run_dir import RunDir, candidate_id
from sim.rl.ppo_config import ppo_config
from tools.job_dir import seed_job
from tools.jobs import TrainJob, clean_fitness
from tools.pool import DevicePool
from tools.rungs import Verdict, parse_fractions, rung_epochs
from tools.trainer import resolve_reward


def run_rewards(run_dir: Path) -> list[tuple[str, str]]:
    """(name, source) of every program a run trained (its summary.json), first stage only;
    named run/candidate."""
    summary = json.loads(RunDir(run_dir).summary.read_text())
    programs = []
    for iteration in summary["stages"][0]["iterations"]:
        for sample in iteration["samples"]:
            if sample["status"] in ("trained", "stopped_early") and sample.get("reward_path"):
                path = Path(sample["reward_path"])
                cid = candidate_id(iteration["iteration"], sample["sample"])
                if not path.is_file():  # the run was moved: its candidate's folder, where it is now
                    path = RunDir(run_dir).candidate(summary["stages"][0]["name"], cid) / path.name
                programs.append((f"{run_dir.name}/{cid}", path.read_text()))
    return programs


def distinct_programs(programs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each program once (its first name), every name unique and fit for a file name
    (runs may share a name)."""
    first: dict[str, str] = {}
    for name, source in programs:
        first.setdefault(source, name)
    return [(f"{i:02d}-{name.replace('/', '-')}", source) for i, (source, name) in enumerate(first.items())]


def ranks(values: list[float]) -> list[float]:
    """Average ranks (ties share their mean rank)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2
        i = j + 1
    return result


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    sd = math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))
    return cov / sd if sd else float("nan")


async def measure(
    task: str,
    programs: list[tuple[str, str]],
    epochs: list[int],
    ppo: dict,
    seeds: int,
    trainers: int,
    root: Path,
) -> list[dict]:
    """Each program's clean fitness at each rung epoch and at the end, per seed."""
    pool = DevicePool("cpu", trainers_per_device=trainers)

    async def one(name: str, source: str, seed: int) -> dict:
        figures: dict[int, float | None] = {}

        async def record(epoch: int, fitness: float | None) -> Verdict:
            figures[epoch] = fitness
            return Verdict(stop=False, epoch=epoch, fitness=fitness, peers=1, better=0, kept=1)

        job = TrainJob(
            task=task,
            reward_source=source,
            reward_name=name,
            out_dir=str(root / seed_job(name, seed)),
            seed=seed,
            ppo=ppo,
            rungs=epochs,
        )
        result = await pool.run(job, judge=record)
        return {"name": name, "seed": seed, "rungs": figures, "final": clean_fitness(result)}

    return await asyncio.gather(*(one(n, s, seed) for n, s in programs for seed in range(seeds)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", default="Cartpole")
    p.add_argument(
        "--run", type=Path, nargs="*", default=[], help="run directories: every program they trained"
    )
    p.add_argument("--rewards", nargs="*", default=[], help="reward files to measure")
    p.add_argument("--fractions", default="0.125,0.25,0.5", help="rung positions, fractions of max_epochs")
    p.add_argument("--keep", type=float, default=0.5, help="the fraction a rung keeps")
    p.add_argument("--tolerance", type=float, default=0.05, help="a winner is within this share of the best")
    p.add_argument("--max-epochs", type=int, help="default: the task's")
    p.add_argument("--num-envs", type=int, help="default: the task's")
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--trainers", type=int, default=2)
    args = p.parse_args()
    cfg = ppo_config(args.task, {"max_epochs": args.max_epochs, "num_envs": args.num_envs})
    epochs = rung_epochs(parse_fractions(args.fractions), cfg["max_epochs"])
    programs = [(spec, resolve_reward(args.task, spec)[1]) for spec in ("human", "sparse")]
    programs += [(Path(f).stem, Path(f).read_text()) for f in args.rewards]
    programs += [program for run in args.run for program in run_rewards(run)]
    programs = distinct_programs(programs)
    ppo = {"max_epochs": cfg["max_epochs"], "num_envs": cfg["num_envs"]}
    with tempfile.TemporaryDirectory() as tmp:
        rows = asyncio.run(measure(args.task, programs, epochs, ppo, args.seeds, args.trainers, Path(tmp)))
    rows = [r for r in rows if r["final"] is not None and all(r["rungs"].get(e) is not None for e in epochs)]
    print(
        f"{args.task}, {cfg['max_epochs']} epochs x {cfg['num_envs']} envs, {len(rows)} trainings "
        f"({len(programs)} programs x {args.seeds} seeds)"
    )
    print(
        f"{'program':<24}{'seed':>5}" + "".join(f"{'epoch ' + str(e):>12}" for e in epochs) + f"{'final':>10}"
    )
    for r in sorted(rows, key=lambda r: -r["final"]):
        print(
            f"{r['name']:<24}{r['seed']:>5}"
            + "".join(f"{r['rungs'][e]:>12.4g}" for e in epochs)
            + f"{r['final']:>10.4g}"
        )
    best = max(r["final"] for r in rows)
    winners = {i for i, r in enumerate(rows) if best - r["final"] <= args.tolerance * max(abs(best), 1e-9)}
    print(f"\n{'rung':<22}{'spearman':>9}{'stopped':>9}{'steps saved':>13}  stops a winner")
    for e in epochs:
        figures = [r["rungs"][e] for r in rows]
        kept = max(1, math.ceil(args.keep * len(rows)))
        stopped = {i for i, f in enumerate(figures) if sum(g > f for g in figures) >= kept}
        saved = len(stopped) * (1 - e / cfg["max_epochs"]) / len(rows)
        label = f"epoch {e} ({e / cfg['max_epochs']:.3g})"
        print(
            f"{label:<22}{spearman(figures, [r['final'] for r in rows]):>9.2f}"
            f"{len(stopped):>6}/{len(rows):<2}{saved:>13.0%}  {'YES' if stopped & winners else 'no'}"
        )


if __name__ == "__main__":
    main()
