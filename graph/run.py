"""Command line: ``python -m graph.run --task Cartpole`` runs Eureka; ``--resume RUN_DIR`` continues.

A task with a curriculum (``--task ShadowHandSpin``) runs one Eureka loop per stage. Everything
a run produces goes into its run directory (graph/results/run_dir.py lists it).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import structlog
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from agents.llm.chat_models import LLMConfigError
from agents.llm.gateway import LLMCallError
from agents.llm.local_llm import exit_now
from agents.llm.modes import AgentModeError
from agents.llm.replay import ReplayExhaustedError
from graph.build import build_graph
from graph.context import RunContext, open_run
from graph.nodes.stage_plan import configured_entries, stage_plan
from graph.results.progress import toolbar
from graph.results.report_writer import report_or_warn
from graph.results.run_dir import CONFIG_FILE, RunDir
from graph.results.summary import write_summary
from graph.settings import DEFAULTS_FILE, Settings, SettingsError, add_flags
from graph.steering.service import SteeringService
from graph.steering.terminal import feed_file, print_reply, read_terminal
from sim.registry import task_class
from sim.rl.checkpoint import CheckpointError, check_spaces

log = structlog.get_logger("run")
THREAD = {"configurable": {"thread_id": "eureka"}}
RUN_ERRORS = (
    LLMConfigError,
    AgentModeError,
    LLMCallError,
    ReplayExhaustedError,
    SettingsError,
    FileNotFoundError,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """graph.run's flags; ``settings`` holds the settings given (graph/settings.py makes their flags)."""
    p = argparse.ArgumentParser(
        prog="python -m graph.run", description="Design rewards with LLMs, prove them with PPO."
    )
    p.add_argument(
        "--steer-file",
        type=Path,
        help="steering messages and commands, one per line (an /edit block up to /end), posted at start",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=DEFAULTS_FILE,
        help="a YAML file of settings that override their defaults (default: configs/run.yaml)",
    )
    p.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue a stopped or killed run")
    p.add_argument(
        "--verbose",
        action="store_true",
        help="on a terminal, print every log line (every epoch's progress, every LLM call); log.jsonl always "
        "has them",
    )
    add_flags(p)
    args = p.parse_args(argv)
    args.settings = {name: vars(args).pop(name) for name in Settings.model_fields if name in vars(args)}
    return args


def prepare(args: argparse.Namespace) -> tuple[Settings, RunDir]:
    """Settings and run directory for a new run or a resumed one (checked; nothing is written)."""
    if args.resume:
        run = RunDir(args.resume)
        if not run.is_run():
            raise SettingsError(f"--resume {args.resume}: not a run directory (no {CONFIG_FILE})")
        return Settings.load(run.config), run
    given = args.settings
    settings = Settings.load(args.config, {**given, "command_line": ",".join(sorted(given)) or None})
    check_plan(settings)
    run = RunDir(settings.run_dir or f"runs/{settings.task}-{time.strftime('%Y%m%d-%H%M%S')}")
    if run.checkpoints.exists():
        raise SettingsError(f"{run.root} already holds a run; use --resume {run.root} or another --run-dir")
    settings.run_dir = str(run.root)
    return settings, run


def check_plan(settings: Settings) -> None:
    """Check the stages against the tasks' configs, and that the warm-start checkpoint fits the first."""
    first = stage_plan(settings, configured_entries(settings))[0]["task"]
    if settings.init_checkpoint:
        cls = task_class(first)
        try:
            check_spaces(settings.init_checkpoint, cls.num_obs, cls.num_actions, first)
        except CheckpointError as exc:
            raise SettingsError(f"--init-checkpoint: {exc}") from None


async def execute(context: RunContext, resume: bool, steer_file: Path | None = None) -> dict:
    """Run (or continue) the graph to the end, steered through the run's inbox; return the final state values.

    A pause (or, in human-feedback mode, the wait for feedback) interrupts the graph; it resumes
    once the steering service has the message that ends the wait.
    """
    settings, run = context.settings, context.run
    log.info(
        "agents.mode",
        agent_mode=settings.agent_mode,
        **{
            agent: "tools" if context.gateway.uses_tools(agent) else "text"
            for agent in context.gateway.models
        },
    )
    if steer_file:
        log.info("steer.file", path=str(steer_file), posted=feed_file(context.inbox, steer_file))
    async with AsyncSqliteSaver.from_conn_string(str(run.checkpoints)) as saver:
        graph = build_graph(saver)
        snapshot = await graph.aget_state(THREAD)
        if resume and not snapshot.next and snapshot.values.get("status"):
            return snapshot.values  # already finished
        if resume:
            await restore_models(context, graph)
            await restore_plan(context, graph)
        service = SteeringService(context, partial(read_state, graph))
        try:
            async with steering(context, service):
                command = None if resume else {}
                while True:
                    await graph.ainvoke(command, THREAD, context=context, durability="sync")
                    waits = (await graph.aget_state(THREAD)).interrupts
                    if not waits:
                        break
                    command = Command(resume=await service.wait(**waits[0].value))
        except BaseException as exc:
            values, running = await read_state(graph)
            stages = values.get("stages", [])
            usage, reason = context.gateway.usage(), str(exc) or type(exc).__name__
            timing = context.board.clock.timing()
            summary = write_summary(run, settings.task, stages, running, "stopped", usage, reason, timing)
            if summary["stages"]:
                report_or_warn(run, summary)  # no new clip: the process is on its way out
            raise
        return (await graph.aget_state(THREAD)).values


async def restore_models(context: RunContext, graph) -> None:
    """Give each agent the model a /model message chose before the run stopped (kept in the graph's state)."""
    values, running = await read_state(graph)
    for agent, spec in ((running or values).get("overrides") or {}).get("models", {}).items():
        context.switch_model(agent, spec)
        log.info("steer.model_restored", agent=agent, spec=spec)


async def restore_plan(context: RunContext, graph) -> None:
    """The stages a resumed run has not finished, for its ETA (the running one counted whole until its next
    iteration starts)."""
    values, _ = await read_state(graph)
    if "stage" in values:  # else the plan is still to be made
        context.board.clock.plan([values["stage"], *values["plan"]])


async def read_state(graph) -> tuple[dict, dict | None]:
    """The run's checkpointed state, and the running stage's (None between stages)."""
    snapshot = await graph.aget_state(THREAD, subgraphs=True)
    running = next((t.state.values for t in snapshot.tasks if t.state and t.state.values), None)
    return snapshot.values, running


@asynccontextmanager
async def steering(context: RunContext, service: SteeringService):
    """The steering service, and the run's replies printed as it records them, while the body runs; a prompt
    when stdin is a terminal."""
    tasks = [service.run()]
    context.inbox.listeners.append(print_reply)
    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    if terminal:
        tasks.append(
            read_terminal(
                context.steering.post, "terminal", partial(toolbar, context.board, context.gateway.usage)
            )
        )
    running = [asyncio.create_task(t) for t in tasks]
    try:
        if terminal:
            from prompt_toolkit.patch_stdout import patch_stdout

            with patch_stdout(raw=True):
                yield
        else:
            yield
    finally:
        context.inbox.listeners.remove(print_reply)
        for task in running + list(service.questions):
            task.cancel()
        await asyncio.gather(*running, *service.questions, return_exceptions=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_dir = args.resume or args.settings.get("run_dir")
    try:
        if args.steer_file and not args.steer_file.is_file():
            raise SettingsError(f"--steer-file {args.steer_file}: no such file")
        settings, run = prepare(args)
        run_dir = run.root
        context = open_run(settings, run, new=not args.resume, verbose=args.verbose)
        values = asyncio.run(execute(context, resume=args.resume is not None, steer_file=args.steer_file))
    except RUN_ERRORS as exc:
        resumable = isinstance(exc, LLMCallError) and RunDir(run_dir).checkpoints.exists()
        hint = (
            f"; the finished work is kept, continue with: python -m graph.run --resume {run_dir}"
            if resumable
            else ""
        )
        print(f"error: {exc}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted; continue with: python -m graph.run --resume {run_dir}", file=sys.stderr)
        return 130
    fitness = [f"{r['spec']['name']} {r['fitness']}" for r in values.get("stages", [])]
    print(f"{values.get('status')}: best fitness {', '.join(fitness)} -> {run.summary}")
    return 0


if __name__ == "__main__":
    exit_now(main())
