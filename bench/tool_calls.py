"""Measure how often a model answers the Coder's tools-mode prompt with a well-formed tool call.

    python bench/tool_calls.py --llm local --tries 20
    python bench/tool_calls.py --llm qwen2.5-coder:7b --base-url http://127.0.0.1:11434/v1

Each try sends the Coder's first tools-mode prompt (a task of --tasks in turn, tools bound) and
classifies the answer: ``well-formed`` (every call names a tool and its arguments fit the tool's
schema), ``malformed`` (arguments that are not JSON, an unknown tool, arguments that do not fit)
or ``no call`` (a plain answer). It prints the counts and the share of well-formed answers, the
figure ``agent_mode auto`` is decided on for the embedded model.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import structlog
from pydantic import ValidationError

from agents.coder.prompt import initial_messages
from agents.coder.tools import with_tools_prompt
from agents.llm.chat_models import build_gateway
from graph.results.run_dir import RunDir
from sim.registry import task_class, task_config
from tools.coder_tools import coder_tools


def classify(reply, tools: dict) -> str:
    """``well-formed``, ``malformed`` or ``no call``."""
    if reply.invalid_tool_calls:
        return "malformed"
    if not reply.tool_calls:
        return "no call"
    for call in reply.tool_calls:
        tool = tools.get(call["name"])
        if tool is None:
            return "malformed"
        try:
            tool.args_schema.model_validate(call["args"])
        except ValidationError:
            return "malformed"
    return "well-formed"


async def measure(args: argparse.Namespace) -> None:
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # the table owns stdout
    args.out.mkdir(parents=True, exist_ok=True)
    gateway = build_gateway(
        {"coder": args.llm}, RunDir(args.out).llm_calls, base_url=args.base_url, max_concurrency=1
    )
    counts = {"well-formed": 0, "malformed": 0, "no call": 0}
    names: dict[str, int] = {}
    started = time.perf_counter()
    for n in range(args.tries):
        task = task_class(args.tasks[n % len(args.tasks)])
        tools = {t.name: t for t in coder_tools(task, args.out / f"try{n}", 60, {})}
        messages = with_tools_prompt(
            initial_messages(task, task_config(task.name)["description"], args.profile), args.profile
        )
        reply = await gateway.complete("coder", messages, key=f"try{n}", tools=list(tools.values()))
        verdict = classify(reply, tools)
        counts[verdict] += 1
        for call in reply.tool_calls:
            names[call["name"]] = names.get(call["name"], 0) + 1
        print(f"try {n:>2} {task.name:<12} {verdict:<12} {[c['name'] for c in reply.tool_calls]}", flush=True)
    print(f"\n{'well-formed':<12}{'malformed':<11}{'no call':<9}share well-formed")
    print(
        f"{counts['well-formed']:<12}{counts['malformed']:<11}{counts['no call']:<9}"
        f"{counts['well-formed'] / args.tries:.0%} of {args.tries} tries "
        f"({time.perf_counter() - started:.0f} s; tools called: {names or 'none'})"
    )


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--llm", default="local")
    p.add_argument("--base-url")
    p.add_argument("--tries", type=int, default=20)
    p.add_argument("--tasks", nargs="+", default=["Cartpole", "BallBalance", "Quadcopter", "ShadowHand"])
    p.add_argument(
        "--profile", default="small", help="prompt profile (small is the embedded model's default)"
    )
    p.add_argument(
        "--out", type=Path, default=Path(f"runs/bench-tool-calls-{time.strftime('%Y%m%d-%H%M%S')}")
    )
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(measure(parse_args()))
