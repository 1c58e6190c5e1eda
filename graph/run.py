"""Command line: ``python -m graph.run --task Cartpole`` runs Eureka; ``--resume RUN_DIR`` continues.

Everything a run produces goes into its run directory: config.yaml, checkpoints.sqlite
(LangGraph state), llm_calls.jsonl, log.jsonl, rewards/, train/, eval/, summary.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from agents.chat_models import LLMConfigError, make_models
from agents.gateway import LLMCallError
from agents.replay import ReplayExhaustedError
from graph.build import build_graph
from graph.context import RunContext
from graph.logs import configure_logging
from graph.settings import DEFAULTS_FILE, Settings, SettingsError
from graph.summary import SUMMARY_FILE, write_summary

CONFIG_FILE = "config.yaml"
CHECKPOINT_FILE = "checkpoints.sqlite"
THREAD = {"configurable": {"thread_id": "eureka"}}
RUN_ERRORS = (LLMConfigError, LLMCallError, ReplayExhaustedError, SettingsError, FileNotFoundError)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m graph.run", description="Design rewards with LLMs, prove them with PPO."
    )
    p.add_argument("--task", help="task name, e.g. Cartpole, BallBalance, Quadcopter")
    p.add_argument("--iterations", type=int, help="Eureka iterations")
    p.add_argument("--samples", type=int, help="reward programs sampled per iteration (K)")
    p.add_argument(
        "--llm", help="default model for every agent: provider:model, replay:PATH, local[:PATH.gguf]"
    )
    p.add_argument("--coder-llm", help="model for the Coder")
    p.add_argument(
        "--critic-llm", help="model for the Critic's analysis (adds an LLM analysis to the reflection)"
    )
    p.add_argument(
        "--base-url", help="an OpenAI-compatible server for the models, e.g. http://127.0.0.1:8000/v1"
    )
    p.add_argument(
        "--prompt-profile", help="prompt templates: paper, small or auto (small for the local model)"
    )
    p.add_argument(
        "--repair-attempts", type=int, help="error-feedback rounds for a program that fails validation"
    )
    p.add_argument("--num-envs", type=int, help="parallel environments per training job")
    p.add_argument("--max-epochs", type=int, help="PPO epochs per training job")
    p.add_argument("--eval-seeds", type=int, help="seeds for the final evaluation of the best reward")
    p.add_argument("--seed", type=int)
    p.add_argument("--devices", help="training devices, e.g. cpu or cuda:0,cuda:1")
    p.add_argument("--trainers-per-device", type=int)
    p.add_argument("--config", type=Path, default=DEFAULTS_FILE, help="a run.yaml with the defaults")
    p.add_argument("--run-dir", help="where to write the run (default runs/<task>-<timestamp>)")
    p.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue a stopped or killed run")
    return p.parse_args(argv)


def prepare(args: argparse.Namespace) -> tuple[Settings, Path]:
    """Settings and run directory for a new run or a resumed one (checked; nothing is written)."""
    if args.resume:
        config = args.resume / CONFIG_FILE
        if not config.is_file():
            raise SettingsError(f"--resume {args.resume}: not a run directory (no {CONFIG_FILE})")
        return Settings.load(config), args.resume
    overrides = {k: v for k, v in vars(args).items() if k not in ("config", "resume")}
    settings = Settings.load(args.config, overrides)
    run_dir = Path(settings.run_dir or f"runs/{settings.task}-{time.strftime('%Y%m%d-%H%M%S')}")
    if (run_dir / CHECKPOINT_FILE).exists():
        raise SettingsError(f"{run_dir} already holds a run; use --resume {run_dir} or another --run-dir")
    settings.run_dir = str(run_dir)
    return settings, run_dir


def create_run_dir(settings: Settings, run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    settings.save(run_dir / CONFIG_FILE)


async def execute(settings: Settings, run_dir: Path, models: dict, resume: bool) -> dict:
    """Run (or continue) the graph to the end; return the final state values."""
    context = RunContext.create(settings, run_dir, models)
    async with AsyncSqliteSaver.from_conn_string(str(run_dir / CHECKPOINT_FILE)) as saver:
        graph = build_graph(saver)
        snapshot = await graph.aget_state(THREAD)
        if resume and not snapshot.next and snapshot.values.get("status"):
            return snapshot.values  # already finished
        try:
            await graph.ainvoke(None if resume else {}, THREAD, context=context, durability="sync")
        except BaseException:
            values = (await graph.aget_state(THREAD)).values
            write_summary(run_dir, values, settings.task, "stopped", context.gateway.usage())
            raise
        return (await graph.aget_state(THREAD)).values


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_dir = args.resume or args.run_dir
    try:
        settings, run_dir = prepare(args)
        # Models first: a missing API key or a wrong provider fails before anything is written.
        models = make_models(settings.agent_llms(), run_dir, base_url=settings.base_url,
                             temperature=settings.temperature)  # fmt: skip
        if not args.resume:
            create_run_dir(settings, run_dir)
        configure_logging(run_dir)
        values = asyncio.run(execute(settings, run_dir, models, resume=args.resume is not None))
    except RUN_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted; continue with: python -m graph.run --resume {run_dir}", file=sys.stderr)
        return 130
    best = values.get("best")
    print(f"{values.get('status')}: best fitness {best and best['fitness']} -> {run_dir / SUMMARY_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
