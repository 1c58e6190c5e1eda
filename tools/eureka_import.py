"""Bring rewards from an Eureka run: take them out of its output folder or its log, check them,
train them here.

    python -m tools.eureka_import PATH --task Cartpole [--out DIR] [--train] [--max-epochs N] [--seeds 3]

PATH is an Eureka output folder (its ``env_iter*_response*_rewardonly.py`` files, or the full
``env_iter*_response*.py`` environment files, whose reward is the code after the imports Eureka appended),
searched at any depth, or an ``eureka.log`` (its "GPT Output" blocks: the first response of each iteration).
Each program is written to ``--out`` unchanged and statically checked against the task's names (its own and
IsaacGymEnvs'); with ``--train`` each valid one is trained on ``--seeds`` seeds and ranked by its mean clean
fitness, every seed's figure printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from pathlib import Path

from sim.isaac_names import check_reward_names
from sim.registry import UnknownTaskError, task_class, task_names
from sim.reward.program import RewardProgramError, inspect_source
from tools.devices import parse_devices
from tools.job_dir import REWARDS_DIR, TRAIN_DIR, seed_job
from tools.jobs import TrainJob, clean_fitness
from tools.pool import DevicePool
from tools.text import error_headline, fmt, one_line

#: Eureka's own file names: the reward alone, or the environment with the reward appended.
REWARD_ONLY = re.compile(r"env_iter(\d+)_response(\d+)_rewardonly\.py$")
ENV_FILE = re.compile(r"env_iter(\d+)_response(\d+)\.py$")
#: The last import Eureka writes before the reward in an environment file.
APPENDED_AFTER = "from torch import Tensor\n"
#: In eureka.log: an iteration's first answer, up to the line that logs its tokens.
LOG_OUTPUT = re.compile(r"Iteration (\d+): GPT Output:\n(.*?)\n[^\n]*Iteration \1: Prompt Tokens", re.DOTALL)
#: How Eureka takes the code out of an answer (its patterns, in its order).
CODE_PATTERNS = (r"```python(.*?)```", r"```(.*?)```")


def answer_code(answer: str) -> str:
    """The program in a model's answer, found as Eureka finds it, from its first ``def`` on."""
    for pattern in CODE_PATTERNS:
        if match := re.search(pattern, answer, re.DOTALL):
            answer = match.group(1).strip()
            break
    lines = answer.split("\n")
    first_def = next((i for i, line in enumerate(lines) if line.strip().startswith(("def ", "@"))), 0)
    return "\n".join(lines[first_def:]) + "\n"


def eureka_programs(path: Path) -> dict[str, str]:
    """{name: program} from an Eureka output folder or log, in iteration and response order."""
    if path.is_file():
        return {
            f"iter{i}-log": answer_code(text)
            for i, text in LOG_OUTPUT.findall(path.read_text(errors="replace"))
        }
    found: dict[tuple[int, int], str] = {}
    for file in sorted(path.rglob("env_iter*_response*.py")):
        if match := REWARD_ONLY.search(file.name):
            found[int(match[1]), int(match[2])] = file.read_text(errors="replace")
        elif (match := ENV_FILE.search(file.name)) and (int(match[1]), int(match[2])) not in found:
            text = file.read_text(errors="replace")
            if APPENDED_AFTER in text:
                found[int(match[1]), int(match[2])] = text.rpartition(APPENDED_AFTER)[2]
    return {f"iter{i}-response{j}": found[i, j] for i, j in sorted(found)}


def static_error(source: str, task: str) -> str | None:
    """Why the program cannot train on ``task`` without running it, or None."""
    try:
        check_reward_names(inspect_source(source), task_class(task))
    except RewardProgramError as exc:
        return str(exc)
    return None


async def train_all(
    task: str, programs: dict[str, str], out: Path, args: argparse.Namespace
) -> dict[str, list[dict]]:
    """Every program trained on every seed; {name: [{seed, fitness, status, error}]}."""
    pool = DevicePool(args.device, trainers_per_device=args.trainers)
    ppo = {"num_envs": args.num_envs, "max_epochs": args.max_epochs}

    async def one(name: str, seed: int) -> dict:
        job = TrainJob(
            task=task,
            reward_source=programs[name],
            reward_name=name,
            seed=seed,
            ppo=ppo,
            out_dir=str(out / TRAIN_DIR / seed_job(name, seed)),
        )
        result = await pool.run(job)
        return {
            "name": name,
            "seed": seed,
            "fitness": clean_fitness(result),
            "status": result["status"],
            "error": result["error"],
        }

    runs = await asyncio.gather(*(one(name, seed) for name in programs for seed in range(args.seeds)))
    by_name: dict[str, list[dict]] = {}
    for run in runs:
        by_name.setdefault(run["name"], []).append(run)
    return by_name


def mean_fitness(runs: list[dict]) -> float | None:
    figures = [r["fitness"] for r in runs if r["status"] == "trained" and r["fitness"] is not None]
    return statistics.fmean(figures) if figures and len(figures) == len(runs) else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tools.eureka_import", description=__doc__.split("\n\n")[0])
    p.add_argument("path", type=Path, help="an Eureka output folder or an eureka.log")
    p.add_argument("--task", required=True, help=f"one of: {', '.join(task_names())}")
    p.add_argument(
        "--out", type=Path, help="where the programs (and trainings) go; default runs/eureka-import-<time>"
    )
    p.add_argument(
        "--train", action="store_true", help="train every valid program and rank them by clean fitness"
    )
    p.add_argument("--seeds", type=int, default=1, help="--train: seeds per program")
    p.add_argument("--max-epochs", type=int, help="--train: PPO epochs (default: the task's)")
    p.add_argument("--num-envs", type=int, help="--train: environments (default: the task's)")
    p.add_argument("--device", default="auto", help="--train: auto, cpu or cuda:N")
    p.add_argument("--trainers", type=int, default=1, help="--train: trainings at a time")
    args = p.parse_args(argv)
    try:
        task_class(args.task)
        parse_devices(args.device)
    except (UnknownTaskError, ValueError) as exc:
        p.error(str(exc))
    if not args.path.exists():
        p.error(f"{args.path} does not exist")
    for name in ("seeds", "max_epochs", "num_envs", "trainers"):
        if (value := getattr(args, name)) is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    programs = eureka_programs(args.path)
    if not programs:
        print(
            f"error: no Eureka reward found in {args.path} (env_iter*_response*.py files or an eureka.log)",
            file=sys.stderr,
        )
        return 2
    out = args.out or Path(f"runs/eureka-import-{time.strftime('%Y%m%d-%H%M%S')}")
    (out / REWARDS_DIR).mkdir(parents=True, exist_ok=True)
    errors = {}
    for name, source in programs.items():
        (out / REWARDS_DIR / f"{name}.py").write_text(source)
        errors[name] = static_error(source, args.task)
    valid = {name: source for name, source in programs.items() if errors[name] is None}
    print(
        f"{len(programs)} programs from {args.path}, {len(valid)} valid for {args.task}; "
        f"written to {out / REWARDS_DIR}"
    )
    for name, error in errors.items():
        if error:
            print(f"  {name}: {one_line(error_headline(error))}")
    if args.train and valid:
        runs = asyncio.run(train_all(args.task, valid, out, args))
        ranked = sorted(
            runs, key=lambda n: -(mean_fitness(runs[n]) if mean_fitness(runs[n]) is not None else -1e308)
        )
        print(f"\n{'program':<22}{'mean clean fitness':>20}  per seed")
        for name in ranked:
            per_seed = ", ".join(
                fmt(r["fitness"]) if r["status"] == "trained" else r["status"] for r in runs[name]
            )
            print(f"{name:<22}{fmt(mean_fitness(runs[name])):>20}  {per_seed}")
            for failed in (r for r in runs[name] if r["status"] != "trained"):
                print(f"    seed {failed['seed']}: {one_line(error_headline(failed['error'] or ''))}")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
