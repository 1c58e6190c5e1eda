"""Runtime dependencies of the graph (not checkpointed): LLMs, the device pool, the run directory,
the steering inbox and its reader, and the live board. ``open_run`` wires them for graph.run and
graph.server alike.

The task is not here: it belongs to a stage, and stages live in the graph's state.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import structlog

from agents.coder import Coder
from agents.critic import Critic
from agents.curriculum import Curriculum
from agents.llm.chat_models import AgentModels, make_models
from agents.llm.gateway import LLMGateway
from agents.llm.pricing import PRICES_FILE, PriceTable, PriceTableError
from graph.results.board import LiveBoard
from graph.results.eta import RunClock
from graph.results.logs import configure_logging
from graph.results.run_dir import RunDir, transcript
from graph.results.summary import write_summary
from graph.search import EurekaSearch, search_for
from graph.settings import Settings, SettingsError
from graph.steering.inbox import Inbox
from graph.steering.reader import SteeringReader
from graph.training import Trainer
from graph.training_gate import TrainingGate
from sim.rl.ppo_config import env_steps, ppo_config
from tools.pool import DevicePool, TrainingPool


def agent_models(settings: Settings, run: RunDir, specs: dict[str, str] | None = None) -> AgentModels:
    """The models of ``specs`` (default: every agent's) as the settings configure them; raises
    LLMConfigError."""
    s = settings
    specs = {agent: transcript(spec) for agent, spec in (specs or s.agent_llms()).items()}
    return make_models(
        specs,
        run.llm_calls,
        base_url=s.base_url,
        temperature=s.temperature,
        max_tokens=s.llm_max_tokens,
        context_tokens=s.llm_context_tokens,
    )


def price_table(settings: Settings) -> PriceTable:
    """The run's price table (a budget's prices are checked with the settings)."""
    try:
        return PriceTable.load(Path(settings.prices) if settings.prices else PRICES_FILE)
    except PriceTableError as exc:
        raise SettingsError(str(exc)) from None


def training_pool(settings: Settings) -> TrainingPool:
    """The device pool, or with ``pool: ray`` its equivalent on a Ray cluster (same ``run`` interface)."""
    s = settings
    if s.pool == "local":
        return DevicePool(s.devices, s.trainers_per_device, s.train_timeout_s, s.train_memory_gb)
    try:
        from tools.ray_pool import RayPool
    except ImportError:
        raise SettingsError("pool ray needs the [ray] extra: pip install -e '.[ray]'") from None
    try:
        pool = RayPool(
            s.ray_address,
            gpus_per_trainer=s.gpus_per_trainer,
            local_gpus=s.ray_gpus,
            timeout_s=s.train_timeout_s,
            memory_limit_gb=s.train_memory_gb,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise SettingsError(
            f"pool ray: cannot start or reach Ray ({s.ray_address or 'local'}): {exc}"
        ) from None
    structlog.get_logger("graph").info("pool.ray", address=s.ray_address or "local", resources=pool.choice)
    return pool


def gateway_of(settings: Settings, run: RunDir, models: AgentModels, prices: PriceTable) -> LLMGateway:
    """The LLM gateway over ``models``; raises AgentModeError (agent_mode tools with a model that cannot call
    tools). It writes nothing until a call is made."""
    s = settings
    return LLMGateway(
        models.models,
        run.llm_calls,
        windows=models.windows,
        specs=s.agent_llms(),
        prices=prices,
        budget_usd=s.budget_usd,
        max_tokens=s.llm_max_tokens,
        agent_mode=s.agent_mode,
        max_concurrency=s.llm_max_concurrency,
        requests_per_minute=s.llm_requests_per_minute,
        retries=s.llm_retries,
        timeout_s=s.llm_timeout_s,
    )


@dataclass
class RunContext:
    settings: Settings
    run: RunDir
    gateway: LLMGateway
    gate: TrainingGate
    inbox: Inbox
    board: LiveBoard
    #: The run's search: what is worth training and what is best (its claims and rung boards live there).
    search: EurekaSearch
    #: The one reader of the inbox: each message parsed once, the boundary's commands queued.
    steering: SteeringReader
    #: The agents and the trainer, built once with their settings: nodes only say what to do.
    coder: Coder
    critic: Critic
    curriculum: Curriculum
    trainer: Trainer

    def write_summary(
        self,
        stages: list,
        running: dict | None,
        status: str,
        reason: str | None = None,
        timing: dict | None = None,
    ) -> dict:
        """summary.json as the run stands (graph/results/summary.py),
        with its LLM usage and compute budget."""
        s = self.settings
        usage = self.gateway.usage()
        return write_summary(
            self.run, s.task, stages, running, status, usage, reason, timing, s.env_steps_budget
        )

    def switch_model(self, agent: str, spec: str) -> None:
        """Give ``agent`` the model ``spec`` for the rest of the run (the graph's state keeps the choice, so a
        resume makes it again). Raises LLMConfigError, SettingsError or AgentModeError
        (nothing changes then)."""
        self.settings.updated(**{f"{agent}_llm": spec})  # checked as at the start: a budget needs its price
        built = agent_models(self.settings, self.run, {agent: spec})
        self.gateway.switch_model(agent, built.models[agent], built.windows[agent], spec)
        setattr(self.settings, f"{agent}_llm", spec)
        self.critic.analyze = bool(self.settings.critic_llm)


def open_run(
    settings: Settings, run: RunDir, *, new: bool, models: AgentModels | None = None, verbose: bool = False
) -> RunContext:
    """The context of a run, for graph.run and graph.server alike. Prices and models first: a budget without
    prices, a missing key or a bad agent_mode fails before anything is written. A ``new`` run then gets its
    directory, config.yaml and its copy of --init-checkpoint; logging goes to the run's log.jsonl. ``models``:
    the agents' models if not the ones the settings name (a test's FAKE models); ``verbose``: every log line
    on a terminal too."""
    prices = price_table(settings)
    gateway = gateway_of(settings, run, models or agent_models(settings, run), prices)
    if new:
        run.root.mkdir(parents=True, exist_ok=True)
        if settings.init_checkpoint:  # the run keeps its own copy: it can be resumed and replayed alone
            shutil.copyfile(settings.init_checkpoint, run.init_checkpoint)
        settings.save(run.config)
    configure_logging(run.log, verbose)
    pool = training_pool(settings)
    slots = getattr(pool, "capacity", 1)  # pool ray: Ray decides how many train at once; one is assumed
    s = settings
    studies = (s.tuning_trials > 0) + (s.recombination_trials > 0)
    trials, finalists = s.tuning_trials + s.recombination_trials, s.tuning_finalists * studies
    board = LiveBoard(clock=RunClock(slots, s.seed_top_k, s.extra_seeds, trials, finalists))
    if not new and run.summary.is_file():  # the compute budgets count what the run trained before
        board.clock.carry(json.loads(run.summary.read_text()).get("compute") or {})
    gate = TrainingGate(settings.overlaps_training())
    inbox = Inbox(run.inbox)
    return RunContext(
        settings,
        run,
        gateway,
        gate,
        inbox,
        board,
        search_for(settings, run),
        SteeringReader(inbox),
        coder=Coder(gateway, s.prompt_profile, s.check_timeout_s, s.repair_attempts, s.tool_rounds),
        critic=Critic(gateway, s.prompt_profile, s.tool_rounds, analyze=bool(s.critic_llm)),
        curriculum=Curriculum(gateway, s.prompt_profile, s.tool_rounds),
        trainer=Trainer(pool, board, s.sim, run.seed_salt()),  # a resume reads the salt back
    )


def affordable_trainings(ctx: RunContext, stage: dict) -> int:
    """How many more trainings at the stage's budget the run's compute may start: none once a budget is spent;
    with an env-steps budget, as many as its rest holds (the last may go past it by less than one training);
    else no limit. The extra seeds and the tuning trials start no more than this, so searches given the same
    budget spend about the same env-steps."""
    if spent_budget(ctx):
        return 0
    budget = ctx.settings.env_steps_budget
    if budget is None:
        return sys.maxsize
    ppo = ppo_config(stage["task"], stage["ppo"])
    each = env_steps(ppo, ppo["max_epochs"])
    return math.ceil((budget - ctx.board.clock.env_steps) / each)


def spent_budget(ctx: RunContext) -> str | None:
    """Why the run must sample no more: its LLM budget (budget_usd), its time (budget_minutes) or its compute
    (env_steps_budget, train_seconds_budget) is spent."""
    s, clock = ctx.settings, ctx.board.clock
    if ctx.gateway.budget_spent():
        return f"the LLM budget of ${s.budget_usd:g} is spent (${ctx.gateway.spent_usd():.4f})"
    spent = clock.elapsed_s() / 60
    if s.budget_minutes is not None and spent >= s.budget_minutes:
        return f"the time budget of {s.budget_minutes:g} min is spent ({spent:.1f} min)"
    if s.env_steps_budget is not None and clock.env_steps >= s.env_steps_budget:
        return f"the env-steps budget of {s.env_steps_budget:,} is spent ({clock.env_steps:,})"
    if s.train_seconds_budget is not None and clock.train_s >= s.train_seconds_budget:
        return f"the training budget of {s.train_seconds_budget:g} s is spent ({clock.train_s:.0f} s)"
    return None
