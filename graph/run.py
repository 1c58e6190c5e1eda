"""Command line: ``python -m graph.run --task Cartpole`` runs Eureka; ``--resume RUN_DIR`` continues.

A task with a curriculum (``--task ShadowHandSpin``) runs one Eureka loop per stage. Everything
a run produces goes into its run directory: config.yaml, checkpoints.sqlite (LangGraph state),
llm_calls.jsonl, log.jsonl, summary.json, init_checkpoint.pth (``--init-checkpoint``) and one
folder per stage run (``stage1-ShadowHand/``) with rewards/, train/ and eval/.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import structlog
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from agents.chat_models import AgentModels, LLMConfigError
from agents.gateway import LLMCallError
from agents.replay import ReplayExhaustedError
from graph.agent_modes import tool_agents
from graph.build import build_graph
from graph.console import feed_file, print_replies, read_terminal
from graph.context import RunContext, agent_models, price_table
from graph.curriculum import configured_entries, stage_plan
from graph.curriculum_nodes import INIT_CHECKPOINT_FILE
from graph.live import SteeringService
from graph.logs import configure_logging
from graph.progress import toolbar
from graph.report import report_or_warn
from graph.settings import AGENT_MODES, CONFIG_FILE, DEFAULTS_FILE, FEEDBACK, POOLS, Settings, SettingsError
from graph.steering import wait_for
from graph.summary import SUMMARY_FILE, write_summary
from sim.checkpoint import CheckpointError, check_spaces
from sim.registry import SIMS, task_class

log = structlog.get_logger("run")
CHECKPOINT_FILE = "checkpoints.sqlite"
THREAD = {"configurable": {"thread_id": "eureka"}}
RUN_ERRORS = (LLMConfigError, LLMCallError, ReplayExhaustedError, SettingsError, FileNotFoundError)
#: Flags that are not settings.
NOT_SETTINGS = ("config", "resume", "steer_file")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m graph.run", description="Design rewards with LLMs, prove them with PPO."
    )
    p.add_argument("--task", help="task name, e.g. Cartpole, BallBalance, Quadcopter, ShadowHandSpin")
    p.add_argument(
        "--curriculum", help="stages: A,B chains tasks that share spaces; auto lets the Curriculum agent propose"
    )
    p.add_argument("--stage", type=int, help="run only this stage (1-based) of the curriculum")
    p.add_argument("--init-checkpoint", help="an rl_games checkpoint the first stage warm-starts from")
    p.add_argument("--iterations", type=int, help="Eureka iterations")
    p.add_argument("--samples", type=int, help="reward programs sampled per iteration (K)")
    p.add_argument(
        "--llm", help="default model for every agent: provider:model, replay:PATH, local[:PATH.gguf]"
    )
    p.add_argument("--coder-llm", help="model for the Coder")
    p.add_argument("--critic-llm", help="model for the Critic (text mode: set it to add an LLM analysis)")
    p.add_argument("--curriculum-llm", help="model for the Curriculum agent's stage decisions")
    p.add_argument(
        "--base-url", help="an OpenAI-compatible server for the models, e.g. http://127.0.0.1:8000/v1"
    )
    p.add_argument(
        "--prompt-profile", help="prompt templates: paper, small or auto (small for a small Coder model)"
    )
    p.add_argument("--llm-max-tokens", type=int, help="answer budget per LLM call (default 1024)")
    p.add_argument("--llm-context-tokens", type=int, help="the models' context window, if the server does not say")
    p.add_argument("--prices", help="an LLM price table (default configs/prices.yaml)")
    p.add_argument("--budget-usd", type=float,
                   help="stop sampling once the LLM calls cost this much; the run still finishes (final evaluation)")
    p.add_argument(
        "--repair-attempts", type=int, help="text mode: error-feedback rounds for a program that fails validation"
    )
    p.add_argument("--agent-mode", choices=AGENT_MODES,
                   help="tools: agents call tools; text: Eureka's prompt/answer protocol; auto (default): tools "
                        "for models that support tool calling")  # fmt: skip
    p.add_argument("--tool-rounds", type=int, help="tools mode: model calls per agent conversation (default 6)")
    p.add_argument("--feedback", choices=FEEDBACK,
                   help="human: every iteration waits for your feedback, which replaces the reflection (Eureka's "
                        "human-feedback mode); auto (default): the Critic's reflection")  # fmt: skip
    p.add_argument("--steer-file", type=Path,
                   help="steering messages and commands, one per line (an /edit block up to /end), posted at start")
    p.add_argument("--init-reward", choices=("human",),
                   help="human: the first Coder prompt starts from the task's human reward (Eureka's Human Init.)")
    p.add_argument("--num-envs", type=int, help="parallel environments per training job")
    p.add_argument("--max-epochs", type=int, help="PPO epochs per training job")
    p.add_argument("--eval-seeds", type=int, help="seeds for the final evaluation of the best reward")
    p.add_argument("--seed", type=int)
    p.add_argument("--devices", help="training devices, e.g. cpu or cuda:0,cuda:1")
    p.add_argument("--trainers-per-device", type=int)
    p.add_argument("--sim", choices=SIMS, help="physics: default, mjwarp (MuJoCo Warp) or isaacgym (IsaacGymEnvs)")
    p.add_argument("--pool", choices=POOLS, help="local (the device pool) or ray (one Ray actor per training)")
    p.add_argument("--ray-address", help="pool ray: a running Ray cluster; default: a local instance")
    p.add_argument("--ray-gpus", type=int, help="pool ray, local instance: logical GPUs to declare")
    p.add_argument("--gpus-per-trainer", type=float, help="pool ray: GPUs per training; fractions share a GPU")
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
    overrides = {k: v for k, v in vars(args).items() if k not in NOT_SETTINGS and v is not None}
    settings = Settings.load(args.config, {**overrides, "command_line": ",".join(sorted(overrides)) or None})
    check_curriculum(settings, task_given="task" in overrides)
    run_dir = Path(settings.run_dir or f"runs/{settings.task}-{time.strftime('%Y%m%d-%H%M%S')}")
    if (run_dir / CHECKPOINT_FILE).exists():
        raise SettingsError(f"{run_dir} already holds a run; use --resume {run_dir} or another --run-dir")
    settings.run_dir = str(run_dir)
    return settings, run_dir


def check_curriculum(settings: Settings, task_given: bool) -> None:
    """Check the stages and the warm-start checkpoint; an explicit --curriculum names the target task."""
    if settings.curriculum and settings.curriculum != "auto":
        last = settings.curriculum.split(",")[-1].strip()
        if task_given and settings.task != last:
            raise SettingsError(f"--task {settings.task} must be the last stage of --curriculum {settings.curriculum}")
        settings.task = last
    if settings.curriculum == "auto" and settings.stage is not None:
        raise SettingsError("--stage needs a known curriculum, not --curriculum auto")
    first = stage_plan(settings, configured_entries(settings))[0]["task"]
    if settings.init_checkpoint:
        cls = task_class(first)
        try:
            check_spaces(settings.init_checkpoint, cls.num_obs, cls.num_actions, first)
        except CheckpointError as exc:
            raise SettingsError(f"--init-checkpoint: {exc}") from None


def create_run_dir(settings: Settings, run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    if settings.init_checkpoint:  # the run keeps its own copy: it can be resumed and replayed alone
        shutil.copyfile(settings.init_checkpoint, run_dir / INIT_CHECKPOINT_FILE)
    settings.save(run_dir / CONFIG_FILE)


async def execute(settings: Settings, run_dir: Path, models: AgentModels, with_tools: frozenset[str],
                  resume: bool, steer_file: Path | None = None) -> dict:  # fmt: skip
    """Run (or continue) the graph to the end, steered through the run's inbox; return the final state values.

    A pause (or, in human-feedback mode, the wait for feedback) interrupts the graph; it resumes
    once the inbox holds the message that ends the wait.
    """
    log.info("agents.mode", agent_mode=settings.agent_mode,
             **{agent: "tools" if agent in with_tools else "text" for agent in models.models})  # fmt: skip
    context = RunContext.create(settings, run_dir, models, with_tools)
    if steer_file:
        log.info("steer.file", path=str(steer_file), posted=feed_file(context.inbox, steer_file))
    async with AsyncSqliteSaver.from_conn_string(str(run_dir / CHECKPOINT_FILE)) as saver:
        graph = build_graph(saver)
        snapshot = await graph.aget_state(THREAD)
        if resume and not snapshot.next and snapshot.values.get("status"):
            return snapshot.values  # already finished
        service = SteeringService(context, partial(read_state, graph))
        try:
            async with steering(context, service):
                command = None if resume else {}
                while True:
                    await graph.ainvoke(command, THREAD, context=context, durability="sync")
                    waits = (await graph.aget_state(THREAD)).interrupts
                    if not waits:
                        break
                    service.waiting = waits[0].value["until"]
                    log.info("steer.waiting", until=service.waiting)
                    command = Command(resume=await wait_for(context.inbox, **waits[0].value))
                    service.waiting = None
        except BaseException as exc:
            values, running = await read_state(graph)
            stages = values.get("stages", [])
            summary = write_summary(run_dir, settings.task, stages, running, "stopped", context.gateway.usage(),
                                    reason=str(exc) or type(exc).__name__)  # fmt: skip
            if summary["stages"]:
                report_or_warn(run_dir, summary)  # no new clip: the process is on its way out
            raise
        return (await graph.aget_state(THREAD)).values


async def read_state(graph) -> tuple[dict, dict | None]:
    """The run's checkpointed state, and the running stage's (None between stages)."""
    snapshot = await graph.aget_state(THREAD, subgraphs=True)
    running = next((t.state.values for t in snapshot.tasks if t.state and t.state.values), None)
    return snapshot.values, running


@asynccontextmanager
async def steering(context: RunContext, service: SteeringService):
    """The steering service and the replies printed while the body runs; a prompt when stdin is a terminal."""
    tasks = [service.run(), print_replies(context.inbox, after=max((r.id for r in context.inbox.replies()), default=0))]
    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    if terminal:
        tasks.append(read_terminal(context.inbox, "terminal", partial(toolbar, context.board, context.gateway.usage)))
    running = [asyncio.create_task(t) for t in tasks]
    try:
        if terminal:
            from prompt_toolkit.patch_stdout import patch_stdout

            with patch_stdout(raw=True):
                yield
        else:
            yield
    finally:
        for task in running + list(service.questions):
            task.cancel()
        await asyncio.gather(*running, *service.questions, return_exceptions=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_dir = args.resume or args.run_dir
    try:
        if args.steer_file and not args.steer_file.is_file():
            raise SettingsError(f"--steer-file {args.steer_file}: no such file")
        settings, run_dir = prepare(args)
        # Models first: a missing API key or a wrong provider fails before anything is written.
        price_table(settings)
        models = agent_models(settings, run_dir)
        with_tools = tool_agents(settings.agent_mode, models.models, settings.agent_llms())
        if not args.resume:
            create_run_dir(settings, run_dir)
        configure_logging(run_dir)
        values = asyncio.run(execute(settings, run_dir, models, with_tools, resume=args.resume is not None,
                                     steer_file=args.steer_file))  # fmt: skip
    except RUN_ERRORS as exc:
        resumable = isinstance(exc, LLMCallError) and (Path(run_dir) / CHECKPOINT_FILE).exists()
        hint = f"; the finished work is kept, continue with: python -m graph.run --resume {run_dir}" if resumable else ""
        print(f"error: {exc}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted; continue with: python -m graph.run --resume {run_dir}", file=sys.stderr)
        return 130
    fitness = [f"{r['spec']['name']} {r['fitness']}" for r in values.get("stages", [])]
    print(f"{values.get('status')}: best fitness {', '.join(fitness)} -> {run_dir / SUMMARY_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
