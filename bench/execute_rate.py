"""Measure a model's execute rate per agent mode: the share of samples that end as a valid candidate,
and their cost.

    python bench/execute_rate.py --llm local --samples 12
    python bench/execute_rate.py --llm local --modes text --profiles paper small --repair-attempts 0
    python bench/execute_rate.py --llm qwen-coder --base-url http://127.0.0.1:8765/v1

For each (mode, profile, task) it writes N candidates exactly as a run's Coder does: ``text``
is Eureka's protocol (answer, extract, validate, ``--repair-attempts`` error-feedback rounds),
``tools`` the tool-calling Coder (``check_reward`` in the sandbox, fixes in the same
conversation, at most ``--tool-rounds`` model calls). It prints the share of valid candidates
(and, for text, those valid within 1, 2, ... calls), the LLM calls, tokens and seconds per sample,
and the ratio of each mode's valid share to the first mode's. Transcripts land in --out.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from itertools import accumulate
from pathlib import Path

import structlog

from agents.coder.prompt import initial_messages
from agents.coder.text import write_candidate
from agents.coder.tools import write_candidate_with_tools
from agents.llm.chat_models import build_gateway
from graph.results.run_dir import RunDir
from graph.settings import Settings
from sim.registry import task_class, task_config


async def measure(args: argparse.Namespace, mode: str, profile: str, task: str) -> dict:
    """Counts for one (mode, profile, task): valid (text: by the call that passed), LLM calls, tokens,
    seconds."""
    run_dir = args.out / f"{mode}-{profile}-{task}"
    run_dir.mkdir(parents=True, exist_ok=True)
    gateway = build_gateway(
        {"coder": args.llm}, RunDir(run_dir).llm_calls, base_url=args.base_url, max_concurrency=1
    )
    cls = task_class(task)
    messages = initial_messages(cls, task_config(task)["description"], profile)
    common = dict(profile=profile, check_timeout_s=args.check_timeout_s)
    got = {"valid": 0, "by_call": [0] * (args.repair_attempts + 1)}
    started = time.perf_counter()
    for k in range(args.samples):
        if mode == "tools":
            draft = await write_candidate_with_tools(
                gateway, messages, cls, f"s{k}", run_dir / f"s{k}", tool_rounds=args.tool_rounds, **common
            )
        else:
            draft = await write_candidate(
                gateway,
                messages,
                cls,
                f"s{k}",
                run_dir / f"s{k}",
                repair_attempts=args.repair_attempts,
                **common,
            )
        got["valid"] += draft.status == "valid"
        if mode == "text" and draft.status == "valid":
            got["by_call"][draft.attempts - 1] += 1
    usage = gateway.usage()
    return {
        **got,
        "calls": usage["calls"],
        "tokens": usage["prompt_tokens"] + usage["completion_tokens"],
        "seconds": time.perf_counter() - started,
    }


def row(label: str, task: str, got: dict, n: int, mode: str) -> str:
    """One table line; in text mode the last column counts the samples valid within 1, 2, ... calls
    (what a smaller ``repair_attempts`` would have kept: the first calls do not depend on it)."""
    first = f"{got['by_call'][0]}/{n}" if mode == "text" else "-"
    within = "/".join(map(str, accumulate(got["by_call"]))) if mode == "text" else "-"
    return (
        f"{label:<14}{task:<13}{got['valid']:>4}/{n:<4}{got['valid'] / n:>6.0%}{first:>9}"
        f"{got['calls'] / n:>8.1f}{got['tokens'] / n:>9.0f}{got['seconds'] / n:>8.0f}   {within}"
    )


async def measure_all(args: argparse.Namespace) -> None:
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # the table owns stdout
    profiles = args.profiles or ["small" if args.llm.startswith("local") else "paper"]
    print(
        f"{'mode/profile':<14}{'task':<13}{'valid':>9}{'share':>6}{'1st try':>9}"
        f"{'calls':>8}{'tokens':>9}{'s':>8}"
        "   valid within 1/2/... calls (calls, tokens, seconds: per sample)"
    )
    shares = {}
    for mode in args.modes:
        for profile in profiles:
            label = f"{mode}/{profile}"
            total = {
                "valid": 0,
                "calls": 0,
                "tokens": 0,
                "seconds": 0.0,
                "by_call": [0] * (args.repair_attempts + 1),
            }
            for task in args.tasks:
                got = await measure(args, mode, profile, task)
                total = {
                    k: [a + b for a, b in zip(total[k], got[k], strict=True)]
                    if k == "by_call"
                    else total[k] + got[k]
                    for k in total
                }
                print(row(label, task, got, args.samples, mode), flush=True)
            print(row(label, "all", total, args.samples * len(args.tasks), mode), flush=True)
            shares[label] = total["valid"] / (args.samples * len(args.tasks))
    base, *others = shares
    for other in others:
        print(
            f"valid candidates per sample, {other} / {base}: {shares[other] / max(shares[base], 1e-9):.2f}x"
        )


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--llm", default="local")
    p.add_argument("--base-url", help="an OpenAI-compatible server (its context size is asked and respected)")
    p.add_argument("--samples", type=int, default=12)
    p.add_argument("--tasks", nargs="+", default=["Cartpole", "BallBalance", "Quadcopter", "ShadowHand"])
    p.add_argument("--modes", nargs="+", default=["text", "tools"], choices=["text", "tools"])
    p.add_argument(
        "--profiles", nargs="+", help="prompt profiles (default: small for the local model, else paper)"
    )
    defaults = Settings.load()
    p.add_argument(
        "--repair-attempts",
        type=int,
        default=defaults.repair_attempts,
        help="text mode (default: configs/run.yaml's)",
    )
    p.add_argument(
        "--tool-rounds",
        type=int,
        default=defaults.tool_rounds,
        help="tools mode (default: configs/run.yaml's)",
    )
    p.set_defaults(check_timeout_s=defaults.check_timeout_s)  # the dry run's cap, as in a run
    p.add_argument(
        "--out", type=Path, default=Path(f"runs/bench-execute-rate-{time.strftime('%Y%m%d-%H%M%S')}")
    )
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(measure_all(parse_args()))  # one event loop: API clients keep connections bound to it
