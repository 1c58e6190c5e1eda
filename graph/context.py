"""Runtime dependencies of the graph (not checkpointed): LLMs, the device pool, the run directory,
the steering inbox and the live board.

The task is not here: it belongs to a stage, and stages live in the graph's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agents.chat_models import AgentModels, make_models
from agents.gateway import LLMGateway
from agents.pricing import PRICES_FILE, PriceTable, PriceTableError
from graph.agent_modes import tool_agents
from graph.board import LiveBoard
from graph.inbox import Inbox
from graph.settings import CONFIG_FILE, Settings, SettingsError
from graph.training_gate import TrainingGate
from tools.pool import DevicePool, TrainingPool


def agent_models(settings: Settings, run_dir: Path, specs: dict[str, str] | None = None) -> AgentModels:
    """The models of ``specs`` (default: every agent's) as the settings configure them; raises LLMConfigError."""
    s = settings
    return make_models(specs or s.agent_llms(), run_dir, base_url=s.base_url, temperature=s.temperature,
                       max_tokens=s.llm_max_tokens, context_tokens=s.llm_context_tokens)  # fmt: skip


def price_table(settings: Settings, specs: dict[str, str] | None = None) -> PriceTable:
    """The run's price table; with a budget, every model of ``specs`` (default: every agent's) must have a price."""
    try:
        table = PriceTable.load(Path(settings.prices) if settings.prices else PRICES_FILE)
    except PriceTableError as exc:
        raise SettingsError(str(exc)) from None
    unpriced = sorted({spec for spec in (specs or settings.agent_llms()).values() if table.price(spec) is None})
    if settings.budget_usd is not None and unpriced:
        raise SettingsError(f"budget_usd needs a price for {', '.join(unpriced)}: add it to "
                            f"{settings.prices or PRICES_FILE}")  # fmt: skip
    return table


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
        return RayPool(s.ray_address, gpus_per_trainer=s.gpus_per_trainer, local_gpus=s.ray_gpus,
                       timeout_s=s.train_timeout_s, memory_limit_gb=s.train_memory_gb)  # fmt: skip
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise SettingsError(f"pool ray: cannot start or reach Ray ({s.ray_address or 'local'}): {exc}") from None


@dataclass
class RunContext:
    settings: Settings
    run_dir: Path
    gateway: LLMGateway
    pool: TrainingPool
    gate: TrainingGate
    tool_agents: frozenset[str]  # the agents that work with tool calls (agent_mode)
    inbox: Inbox
    board: LiveBoard

    @classmethod
    def create(cls, settings: Settings, run_dir: Path, models: AgentModels, tool_agents: frozenset[str]) -> RunContext:
        s = settings
        gateway = LLMGateway(
            models.models, run_dir, windows=models.windows, specs=s.agent_llms(), prices=price_table(s),
            budget_usd=s.budget_usd, max_tokens=s.llm_max_tokens,
            max_concurrency=s.llm_max_concurrency, requests_per_minute=s.llm_requests_per_minute,
            retries=s.llm_retries, timeout_s=s.llm_timeout_s,
        )  # fmt: skip
        return cls(s, run_dir, gateway, training_pool(s), TrainingGate(s.overlaps_training()), tool_agents, Inbox(run_dir),
                   LiveBoard())  # fmt: skip

    def switch_model(self, agent: str, spec: str) -> None:
        """Give ``agent`` the model ``spec`` for the rest of the run (saved in config.yaml, so a resume keeps it).

        Raises LLMConfigError or SettingsError (nothing changes then).
        """
        s = self.settings
        price_table(s, {agent: spec})
        built = agent_models(s, self.run_dir, {agent: spec})
        specs = {**s.agent_llms(), agent: spec}
        self.tool_agents = tool_agents(s.agent_mode, {**self.gateway.models, **built.models}, specs)
        self.gateway.switch_model(agent, built.models[agent], built.windows[agent], spec)
        setattr(s, f"{agent}_llm", spec)
        s.save(self.run_dir / CONFIG_FILE)
