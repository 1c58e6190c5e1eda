"""Run settings: configs/run.yaml, overridden by the command line, checked before anything runs."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from configs import CONFIG_DIR, load_yaml
from prompts import profiles
from sim.registry import SIMS, UnknownTaskError, task_class
from tools.devices import parse_devices

DEFAULTS_FILE = CONFIG_DIR / "run.yaml"
#: A run's resolved settings, in its run directory.
CONFIG_FILE = "config.yaml"
#: A parameter count in a model name: qwen2.5-coder:1.5b, Llama-3.1-8B-Instruct, phi3:3.8b.
SIZE_IN_NAME = re.compile(r"(?<![\d.x])(\d+(?:\.\d+)?)b(?![a-z])", re.IGNORECASE)
SMALL_CONTEXT_TOKENS = 8192
AGENT_MODES = ("auto", "tools", "text")
FEEDBACK = ("auto", "human")
POOLS = ("local", "ray")


class SettingsError(ValueError):
    """A bad setting; the message names it."""


@dataclass
class Settings:
    task: str
    curriculum: str | None
    stage: int | None
    init_checkpoint: str | None
    iterations: int
    samples: int
    llm: str
    coder_llm: str | None
    critic_llm: str | None
    curriculum_llm: str | None
    base_url: str | None
    temperature: float | None
    prompt_profile: str
    repair_attempts: int
    agent_mode: str
    tool_rounds: int
    feedback: str
    num_envs: int | None
    max_epochs: int | None
    eval_seeds: int
    seed: int
    devices: str
    trainers_per_device: int
    sim: str
    pool: str
    ray_address: str | None
    ray_gpus: int | None
    gpus_per_trainer: float
    train_timeout_s: float
    train_memory_gb: float
    check_timeout_s: float
    overlap: str
    llm_max_concurrency: int
    llm_requests_per_minute: float
    llm_retries: int
    llm_timeout_s: float
    llm_max_tokens: int
    llm_context_tokens: int | None
    prices: str | None
    budget_usd: float | None
    report_video_s: float
    init_reward: str | None
    run_dir: str | None
    command_line: str | None  # the settings given as flags: they win over a curriculum stage's budget

    @classmethod
    def load(cls, path: Path = DEFAULTS_FILE, overrides: dict[str, Any] | None = None) -> Settings:
        try:
            data = load_yaml(path)
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise SettingsError(f"cannot read settings from {path}: {exc}") from exc
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingsError(f"{path}: unknown settings {unknown}")
        missing = sorted(known - set(data))
        if missing:
            raise SettingsError(f"{path}: missing settings {missing}")
        data.update({k: v for k, v in (overrides or {}).items() if v is not None})
        settings = cls(**data)
        settings.validate()
        if settings.prompt_profile == "auto":
            settings.prompt_profile = "small" if settings.small_coder() else "paper"
        return settings

    def validate(self) -> None:
        accepted = {"int": (int,), "float": (int, float), "str": (str,)}
        for f in fields(self):
            value = getattr(self, f.name)
            optional = f.type.endswith(" | None")
            if value is None and optional:
                continue
            if isinstance(value, bool) or not isinstance(value, accepted[f.type.removesuffix(" | None")]):
                raise SettingsError(f"setting {f.name}={value!r} must be of type {f.type}")
        positive = ("iterations", "samples", "eval_seeds", "trainers_per_device", "llm_max_concurrency", "tool_rounds")
        for name in positive + ("num_envs", "max_epochs", "stage", "llm_max_tokens", "llm_context_tokens"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise SettingsError(f"setting {name} must be >= 1, got {value}")
        if self.init_reward not in (None, "human"):
            raise SettingsError(f"setting init_reward must be null or human, got {self.init_reward!r}")
        if self.report_video_s < 0:
            raise SettingsError(f"setting report_video_s must be >= 0, got {self.report_video_s}")
        if self.budget_usd is not None and self.budget_usd <= 0:
            raise SettingsError(f"setting budget_usd must be > 0, got {self.budget_usd}")
        if self.repair_attempts < 0 or self.llm_retries < 0:
            raise SettingsError("repair_attempts and llm_retries must be >= 0")
        if self.prompt_profile not in ("auto", *profiles()):
            raise SettingsError(
                f"setting prompt_profile must be auto or one of {profiles()}, got {self.prompt_profile!r}"
            )
        if self.agent_mode not in AGENT_MODES:
            raise SettingsError(f"setting agent_mode must be one of {', '.join(AGENT_MODES)}, got {self.agent_mode!r}")
        if self.feedback not in FEEDBACK:
            raise SettingsError(f"setting feedback must be auto or human, got {self.feedback!r}")
        if self.sim not in SIMS:
            raise SettingsError(f"setting sim must be one of {', '.join(SIMS)}, got {self.sim!r}")
        if self.pool not in POOLS:
            raise SettingsError(f"setting pool must be local or ray, got {self.pool!r}")
        if self.gpus_per_trainer < 0 or (self.ray_gpus is not None and self.ray_gpus < 0):
            raise SettingsError("gpus_per_trainer and ray_gpus must be >= 0")
        if self.overlap not in ("auto", "true", "false"):
            raise SettingsError(f"setting overlap must be auto, true or false, got {self.overlap!r}")
        try:
            task_class(self.task)
            parse_devices(self.devices)
        except (UnknownTaskError, ValueError) as exc:
            raise SettingsError(str(exc)) from exc

    def agent_llms(self) -> dict[str, str]:
        """The model spec of each agent that calls an LLM."""
        return {"coder": self.coder_llm or self.llm, "critic": self.critic_llm or self.llm,
                "curriculum": self.curriculum_llm or self.llm}  # fmt: skip

    def small_coder(self) -> bool:
        """Whether the Coder's model is small: the embedded one, a name that says <= 8B parameters, or a small context."""
        spec = self.agent_llms()["coder"]
        size = SIZE_IN_NAME.search(spec.rpartition("/")[2])
        small_context = self.llm_context_tokens is not None and self.llm_context_tokens < SMALL_CONTEXT_TOKENS
        return spec.startswith("local") or (size is not None and float(size.group(1)) <= 8) or small_context

    def overlaps_training(self) -> bool:
        """Whether LLM sampling may run while PPO trains (see `overlap` in configs/run.yaml)."""
        if self.overlap == "auto":
            return not any(spec.startswith("local") for spec in self.agent_llms().values())
        return self.overlap == "true"

    def save(self, path: Path) -> None:
        path.write_text(yaml.safe_dump(dataclasses.asdict(self), sort_keys=False))
