"""The Trainer tool: train PPO on a reward program and return Eureka's statistics.

From Python::

    pool = DevicePool("cpu", trainers_per_device=2)
    result = await pool.run(make_job("Cartpole", "human", out_dir="runs/x"))

From the shell::

    python -m tools.trainer --task Cartpole --reward human --max-epochs 100 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from configs import CONFIG_DIR, load_yaml
from sim.registry import SIMS, UnknownTaskError, check_backend, task_class, task_names
from sim.reward.program import function_source
from tools.devices import parse_devices
from tools.jobs import TrainJob, clean_fitness
from tools.pool import DevicePool

BUILTIN_REWARDS = ("human", "sparse")
#: A training's caps unless told otherwise (the defaults of a run's train_timeout_s and train_memory_gb).
TRAIN_TIMEOUT_S = 1800
TRAIN_MEMORY_GB = 8


def resolve_reward(task: str, spec: str) -> tuple[str, str]:
    """``human`` | ``sparse`` | a path to a .py file -> (name, source)."""
    cls = task_class(task)
    if spec == "human":
        return "human", function_source(cls.human_reward)
    if spec == "sparse":
        return "sparse", function_source(cls.sparse_reward)
    path = Path(spec)
    if not path.is_file():
        raise FileNotFoundError(f"--reward {spec!r} is neither 'human', 'sparse' nor an existing file")
    return path.stem, path.read_text()


def make_job(
    task: str,
    reward: str,
    out_dir: str | Path,
    seed: int = 0,
    ppo: dict | None = None,
    checkpoint: str | None = None,
    sim: str = "default",
) -> TrainJob:
    """A TrainJob for a built-in reward name or a reward file path."""
    name, source = resolve_reward(task, reward)
    return TrainJob(
        task=task,
        reward_source=source,
        reward_name=name,
        out_dir=str(out_dir),
        seed=seed,
        ppo=ppo or {},
        checkpoint=checkpoint,
        sim=sim,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m tools.trainer", description="Train PPO on one reward program."
    )
    run_defaults = load_yaml(CONFIG_DIR / "run.yaml")  # the caps of a run, as overridden there
    p.add_argument("--task", required=True, help=f"one of: {', '.join(task_names())}")
    p.add_argument("--reward", default="human", help="'human', 'sparse' or a path to a Python reward file")
    p.add_argument("--num-envs", type=int, help="parallel environments (default: task config)")
    p.add_argument("--max-epochs", type=int, help="PPO epochs (default: task config)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", help="warm-start from this rl_games checkpoint")
    p.add_argument(
        "--sim",
        choices=SIMS,
        default="default",
        help="physics: default, mjwarp (MuJoCo Warp) or isaacgym (IsaacGymEnvs)",
    )
    p.add_argument("--device", default="auto", help="auto (a visible GPU, else cpu), 'cpu' or 'cuda:N'")
    p.add_argument(
        "--timeout",
        type=float,
        default=run_defaults.get("train_timeout_s", TRAIN_TIMEOUT_S),
        help="stop a job after this many seconds (default: a run's train_timeout_s)",
    )
    p.add_argument(
        "--memory-gb",
        type=float,
        default=run_defaults.get("train_memory_gb", TRAIN_MEMORY_GB),
        help="memory cap of the worker (default: a run's train_memory_gb)",
    )
    p.add_argument("--out-dir", help="where to write the job (default: runs/trainer/<task>-<time>)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = p.parse_args(argv)
    for name in ("num_envs", "max_epochs", "timeout", "memory_gb"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            p.error(f"--{name.replace('_', '-')} must be > 0, got {value:g}")
    try:
        task_class(args.task)
        check_backend(args.sim, args.task)
        parse_devices(args.device)
    except (UnknownTaskError, ValueError) as exc:
        p.error(str(exc))
    if args.checkpoint and not Path(args.checkpoint).is_file():
        p.error(f"--checkpoint {args.checkpoint!r} does not exist")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out_dir = args.out_dir or f"runs/trainer/{args.task}-{time.strftime('%Y%m%d-%H%M%S')}"
    ppo = {"num_envs": args.num_envs, "max_epochs": args.max_epochs}
    try:
        job = make_job(args.task, args.reward, out_dir, args.seed, ppo, args.checkpoint, args.sim)
    except (FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pool = DevicePool(args.device, timeout_s=args.timeout, memory_limit_gb=args.memory_gb)
    result = asyncio.run(pool.run(job))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        clean = clean_fitness(result)
        print(
            f"{result['status']}: fitness={clean} (clean evaluation) "
            f"train_fitness_max={result['fitness_max']} env_steps={result['env_steps']} "
            f"wall={result['wall_s']:.1f}s steps/s={result['steps_per_s']:.0f} "
            f"checkpoint={result['checkpoint']}"
        )
        if result["error"]:
            print(result["error"], file=sys.stderr)
    return 0 if result["status"] == "trained" else 1


if __name__ == "__main__":
    sys.exit(main())
