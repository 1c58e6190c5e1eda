"""Measure a model's execute rate: the share of sampled reward programs that pass validation.

    python bench/execute_rate.py --llm local --samples 12 --tasks Cartpole BallBalance Quadcopter \
        --profiles paper small --repair-attempts 1
    python bench/execute_rate.py --llm qwen-coder --base-url http://127.0.0.1:8765/v1 --repair-attempts 0

For each (profile, task) it samples N programs from the initial Eureka prompt and
validates them exactly as a run does (extraction, static check, sandboxed dry run).
It prints the first-try execute rate, the rate after error-feedback repairs, and the
ratio between profiles. Transcripts land in --out (default runs/bench-execute-rate).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import structlog

from agents.chat_models import build_gateway
from agents.coder import initial_messages, write_candidate
from sim.registry import task_class, task_config


async def measure(
    llm: str, task: str, profile: str, samples: int, repairs: int, out: Path, base_url: str | None
) -> tuple[int, int]:
    run_dir = out / f"{profile}-{task}"
    run_dir.mkdir(parents=True, exist_ok=True)
    gateway = build_gateway({"coder": llm}, run_dir, base_url=base_url, max_concurrency=1)
    cls = task_class(task)
    messages = initial_messages(cls, task_config(task)["description"], profile)
    first = repaired = 0
    for k in range(samples):
        draft = await write_candidate(gateway, messages, cls, f"s{k}", run_dir / "rewards",
                                      profile=profile, repair_attempts=repairs, check_timeout_s=60)  # fmt: skip
        first += draft.status == "valid" and draft.attempts == 1
        repaired += draft.status == "valid"
    return first, repaired


def main() -> None:
    asyncio.run(measure_all(parse_args()))  # one event loop: API clients keep connections bound to it


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--llm", default="local")
    p.add_argument("--base-url", help="an OpenAI-compatible server (its context size is asked and respected)")
    p.add_argument("--samples", type=int, default=12)
    p.add_argument("--tasks", nargs="+", default=["Cartpole", "BallBalance", "Quadcopter"])
    p.add_argument("--profiles", nargs="+", default=["paper", "small"])
    p.add_argument("--repair-attempts", type=int, default=1)
    p.add_argument(
        "--out", type=Path, default=Path(f"runs/bench-execute-rate-{time.strftime('%Y%m%d-%H%M%S')}")
    )
    return p.parse_args()


async def measure_all(args: argparse.Namespace) -> None:
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # the table owns stdout
    totals = {}
    print(f"{'profile':<8}{'task':<13}{'first try':>12}{'with repair':>13}")
    for profile in args.profiles:
        got = [0, 0]
        for task in args.tasks:
            first, repaired = await measure(
                args.llm, task, profile, args.samples, args.repair_attempts, args.out, args.base_url
            )
            got[0] += first
            got[1] += repaired
            print(
                f"{profile:<8}{task:<13}{first:>6}/{args.samples:<5}{repaired:>7}/{args.samples:<5}",
                flush=True,
            )
        totals[profile] = got
        n = args.samples * len(args.tasks)
        print(f"{profile:<8}{'all':<13}{got[0] / n:>11.0%}{got[1] / n:>13.0%}", flush=True)
    if len(totals) > 1:
        base, *others = args.profiles
        for other in others:
            ratio = totals[other][0] / max(totals[base][0], 1)
            print(f"first-try execute rate {other} / {base}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
