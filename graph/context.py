"""Runtime dependencies of the graph (not checkpointed): LLMs, the device pool, the run directory.

The task is not here: it belongs to a stage, and stages live in the graph's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agents.chat_models import AgentModels
from agents.gateway import LLMGateway
from graph.settings import Settings
from graph.training_gate import TrainingGate
from tools.pool import DevicePool


@dataclass
class RunContext:
    settings: Settings
    run_dir: Path
    gateway: LLMGateway
    pool: DevicePool
    gate: TrainingGate
    tool_agents: frozenset[str]  # the agents that work with tool calls (agent_mode)

    @classmethod
    def create(cls, settings: Settings, run_dir: Path, models: AgentModels, tool_agents: frozenset[str]) -> RunContext:
        s = settings
        gateway = LLMGateway(
            models.models, run_dir, windows=models.windows, max_tokens=s.llm_max_tokens,
            max_concurrency=s.llm_max_concurrency, requests_per_minute=s.llm_requests_per_minute,
            retries=s.llm_retries, timeout_s=s.llm_timeout_s,
        )  # fmt: skip
        pool = DevicePool(s.devices, s.trainers_per_device, s.train_timeout_s, s.train_memory_gb)
        return cls(s, run_dir, gateway, pool, TrainingGate(s.overlaps_training()), tool_agents)
