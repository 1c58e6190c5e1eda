"""Run settings: one typed model whose fields say what they mean. configs/run.yaml holds the defaults,
the command line overrides them, and everything is checked before anything runs."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agents.llm.modes import AGENT_MODES
from configs import CONFIG_DIR, load_yaml
from prompts import profiles
from sim.registry import SIMS, check_backend, task_class
from tools.rungs import DEFAULT_KEEP, parse_fractions
from tools.devices import parse_devices

DEFAULTS_FILE = CONFIG_DIR / "run.yaml"
#: A parameter count in a model name: qwen2.5-coder:1.5b, Llama-3.1-8B-Instruct, phi3:3.8b.
SIZE_IN_NAME = re.compile(r"(?<![\d.x])(\d+(?:\.\d+)?)b(?![a-z])", re.IGNORECASE)
SMALL_CONTEXT_TOKENS = 8192
FEEDBACK = ("auto", "human")
POOLS = ("local", "ray")
#: The settings each pool reads: given as flags under the other pool, they would silently do nothing.
POOL_SETTINGS = {"local": ("devices", "trainers_per_device"), "ray": ("ray_address", "ray_gpus", "gpus_per_trainer")}


class SettingsError(ValueError):
    """A bad setting; the message names it."""


class Settings(BaseModel):
    """Every setting of a run. A field's description is its documentation (and its --flag's help)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    task: str = Field(description="task name, e.g. Cartpole, BallBalance, Quadcopter, ShadowHandSpin")
    curriculum: str | None = Field(description="stages: null for the task's own (configs/tasks/<Task>.yaml); "
                                               "A,B chains tasks that share spaces; auto lets the Curriculum agent propose")  # fmt: skip
    stage: int | None = Field(ge=1, description="run only this stage (1-based) of the curriculum")
    init_checkpoint: str | None = Field(description="an rl_games checkpoint the first stage warm-starts from")
    iterations: int = Field(ge=1, description="Eureka iterations (the paper uses 5)")
    samples: int = Field(ge=1, description="reward programs sampled per iteration, K (the paper uses 16)")
    llm: str = Field(description="default model for every agent: provider:model, replay:PATH, local[:PATH.gguf]")
    coder_llm: str | None = Field(description="model for the Coder (default: llm)")
    critic_llm: str | None = Field(description="model for the Critic (default: llm); in text mode it adds an LLM "
                                               "analysis only when set")  # fmt: skip
    curriculum_llm: str | None = Field(description="model for the Curriculum agent's stage decisions (default: llm)")
    base_url: str | None = Field(description="an OpenAI-compatible server for the models, e.g. http://127.0.0.1:8000/v1")
    temperature: float | None = Field(ge=0, description="sampling temperature of every model")
    prompt_profile: str = Field(description="prompt templates: a folder under prompts/ (paper, small) or auto: small "
                                            "for a small Coder model (the embedded one, a name saying <= 8B "
                                            "parameters, or llm_context_tokens < 8192: 2x execute rate), else paper")  # fmt: skip
    repair_attempts: int = Field(ge=0, description="text mode: more Coder calls for a program that fails validation "
                                                   "(its error and a hint, or a fresh start; the embedded model: 90% "
                                                   "valid samples with 3, 77% with 2)")  # fmt: skip
    agent_mode: Literal[AGENT_MODES] = Field(description="tools: agents call tools (the Coder checks its program, the "
                                                         "Critic reads every candidate); text: Eureka's prompt/answer "
                                                         "protocol; auto: tools for models that support tool calling")  # fmt: skip
    tool_rounds: int = Field(ge=1, description="tools mode: model calls per agent conversation")
    feedback: Literal[FEEDBACK] = Field(description="auto: the Critic's reflection drives each iteration; human: "
                                                    "Eureka's human-feedback mode, every iteration waits for a "
                                                    "person's feedback, which replaces the reflection")  # fmt: skip
    num_envs: int | None = Field(ge=1, description="parallel environments per training; null: the task's own")
    max_epochs: int | None = Field(ge=1, description="PPO epochs per training; null: the task's own")
    eval_seeds: int = Field(ge=1, description="final evaluation: the best reward retrained with this many held-out "
                                              "seeds (never used to select it)")  # fmt: skip
    search: Literal["robust", "eureka"] = Field(
        description="robust: no program trained twice, the best seed_top_k candidates of each iteration trained "
                    "with extra_seeds more seeds and ranked by their clean fitness over them (rank_by); eureka: the "
                    "paper's search (one seed, argmax, no deduplication)")  # fmt: skip
    seed_top_k: int = Field(ge=1, description="search robust: the candidates of each iteration that get more seeds")
    rank_by: Literal["median", "mean", "mean-sem"] = Field(
        description="search robust: a candidate's figure over its seeds, what it is ranked by: median, mean, or "
                    "mean-sem (the mean less one standard error)")  # fmt: skip
    extra_seeds: int = Field(ge=0, le=999, description="search robust: the seeds each of them gets beyond its first")
    rungs: str | None = Field(description="search robust: where candidates are judged early, as fractions of "
                                          "max_epochs (0.25,0.5); none: no early stopping; null: the task's own "
                                          "(configs/tasks/<Task>.yaml rungs)")  # fmt: skip
    rung_keep: float | None = Field(gt=0, le=1, description="search robust: the fraction of the candidates at a rung "
                                                            "that train on; null: the task's own rung_keep, else "
                                                            f"{DEFAULT_KEEP}")  # fmt: skip
    rung_min_peers: int = Field(ge=2, description="search robust: candidates that must have reached a rung before "
                                                  "one of them is stopped there")  # fmt: skip
    seed: int = Field(description="the training seed of every candidate")
    devices: str = Field(description="training devices: auto (every visible GPU, else cpu) or a list: cpu, cuda:0,...")
    trainers_per_device: int = Field(ge=1, description="trainings at a time on each device")
    sim: str = Field(description="physics: default (each task's own), mjwarp (MuJoCo tasks on MuJoCo Warp, [gpu] "
                                 "extra), isaacgym (IsaacGymEnvs' task of the same name; Isaac Gym installed by hand)")  # fmt: skip
    pool: Literal[POOLS] = Field(description="local: the device pool; ray: one Ray actor per training ([ray] extra)")
    ray_address: str | None = Field(description="pool ray: a running cluster (e.g. ray://head:10001 or auto); "
                                                "null: a local Ray instance")  # fmt: skip
    ray_gpus: int | None = Field(ge=0, description="pool ray, local instance: logical GPUs to declare (null: the GPUs "
                                                   "Ray finds)")  # fmt: skip
    gpus_per_trainer: float | None = Field(ge=0, description="pool ray: GPUs each training holds; fractions share a "
                                                             "GPU; null: one where Ray reports GPUs, else none")  # fmt: skip
    train_timeout_s: float = Field(gt=0, description="seconds a training may take before it is killed")
    train_memory_gb: float = Field(gt=0, description="memory a training may use before it is killed")
    check_timeout_s: float = Field(gt=0, description="seconds a reward program's dry run may take")
    overlap: Literal["auto", "true", "false"] = Field(
        description="let LLM sampling and PPO run at the same time; auto: off when any agent uses the embedded "
                    "model (on 2 cores, PPO beside llama.cpp cuts generation from ~31 to ~10 tokens/s), on for API models")  # fmt: skip
    llm_max_concurrency: int = Field(ge=1, description="LLM calls in flight at once")
    llm_requests_per_minute: float = Field(gt=0, description="LLM calls started per minute at most")
    llm_retries: int = Field(ge=0, description="retries of a failed LLM call (transient errors)")
    llm_timeout_s: float = Field(gt=0, description="seconds an LLM call may take")
    llm_max_tokens: int = Field(ge=1, description="answer budget per LLM call; an answer cut off by it is reported "
                                                  "truncated, never trained")  # fmt: skip
    llm_context_tokens: int | None = Field(ge=1, description="the models' context window; a server's own report is "
                                                             "used when it gives one (the smaller of the two if "
                                                             "both); null: unknown (API models)")  # fmt: skip
    prices: str | None = Field(description="the LLM price table (USD per million tokens); null: configs/prices.yaml")
    budget_usd: float | None = Field(gt=0, description="stop sampling once the LLM calls cost this much (every model "
                                                       "must have a price); the run still finishes")  # fmt: skip
    report_video_s: float = Field(ge=0, description="report.html's clip of the best policy (MuJoCo tasks), in "
                                                    "seconds; 0: none")  # fmt: skip
    init_reward: Literal["human"] | None = Field(description="human: the first Coder prompt starts from the task's "
                                                             "human reward (the paper's Human Init.)")  # fmt: skip
    run_dir: str | None = Field(description="where to write the run (default runs/<task>-<timestamp>)")
    command_line: str | None = Field(description="written by graph.run: the settings given as flags (they win "
                                                  "over a curriculum stage's budget)")  # fmt: skip

    @field_validator("task")
    @classmethod
    def _known_task(cls, value: str) -> str:
        task_class(value)  # UnknownTaskError names the known tasks
        return value

    @field_validator("devices")
    @classmethod
    def _devices(cls, value: str) -> str:
        parse_devices(value)
        return value

    @field_validator("sim")
    @classmethod
    def _sim(cls, value: str) -> str:
        if value not in SIMS:
            raise ValueError(f"setting sim must be one of {', '.join(SIMS)}, got {value!r}")
        return value

    @field_validator("rungs")
    @classmethod
    def _rungs(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_fractions(value)
            except ValueError as exc:
                raise ValueError(f"setting rungs: {exc}") from None
        return value

    @field_validator("prompt_profile")
    @classmethod
    def _profile(cls, value: str) -> str:
        if value not in ("auto", *profiles()):
            raise ValueError(f"setting prompt_profile must be auto or one of {profiles()}, got {value!r}")
        return value

    @model_validator(mode="after")
    def _backend_here(self) -> Settings:
        check_backend(self.sim, self.task)  # one line, before anything is sampled or written
        given = set((self.command_line or "").split(","))
        for pool, names in POOL_SETTINGS.items():
            if self.pool != pool and (flags := sorted(given & set(names))):
                raise ValueError(f"--{flags[0].replace('_', '-')} applies to --pool {pool}, and this run uses "
                                 f"--pool {self.pool}")  # fmt: skip
        return self

    @classmethod
    def load(cls, path: Path = DEFAULTS_FILE, overrides: dict[str, Any] | None = None) -> Settings:
        try:
            data = load_yaml(path)
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise SettingsError(f"cannot read settings from {path}: {exc}") from exc
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            raise SettingsError(f"{path}: unknown settings {unknown}")
        missing = sorted(set(cls.model_fields) - set(data))
        if missing:
            raise SettingsError(f"{path}: missing settings {missing}")
        data.update({k: v for k, v in (overrides or {}).items() if v is not None})
        try:
            settings = cls(**data)
        except ValidationError as exc:
            raise SettingsError(one_line(exc)) from None
        if settings.prompt_profile == "auto":
            settings.prompt_profile = "small" if settings.small_coder() else "paper"
        return settings

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
        """Whether LLM sampling may run while PPO trains (``overlap``)."""
        if self.overlap == "auto":
            return not any(spec.startswith("local") for spec in self.agent_llms().values())
        return self.overlap == "true"

    def save(self, path: Path) -> None:
        path.write_text(yaml.safe_dump(self.model_dump(), sort_keys=False))


def described(name: str) -> str:
    """A setting's description (the help of its command-line flag)."""
    return Settings.model_fields[name].description


def one_line(exc: ValidationError) -> str:
    """The first problem of a ValidationError as one line that names the setting: ``setting samples must be >= 1,
    got 0``."""
    error = exc.errors()[0]
    if error["type"] == "value_error":  # a validator's own message (a whole-model check has no field)
        return str(error["ctx"]["error"])
    name, value, kind, ctx = error["loc"][0], error["input"], error["type"], error.get("ctx", {})
    if kind in ("greater_than_equal", "greater_than"):
        bound = f">= {ctx['ge']}" if kind == "greater_than_equal" else f"> {ctx['gt']}"
        return f"setting {name} must be {bound}, got {value}"
    if kind == "literal_error":
        choices = literal_choices(Settings.model_fields[name].annotation)
        return f"setting {name} must be {', '.join(choices[:-1])} or {choices[-1]}, got {value!r}"
    annotation = Settings.model_fields[name].annotation
    type_name = " | ".join(getattr(t, "__name__", str(t)) for t in typing.get_args(annotation)) or annotation.__name__
    return f"setting {name}={value!r} must be of type {type_name.replace('NoneType', 'None')}"


def literal_choices(annotation) -> list[str]:
    """The values a Literal (or an optional Literal) annotation allows, as YAML spells them (None: null)."""
    if typing.get_origin(annotation) is Literal:
        return [str(c) for c in typing.get_args(annotation)]
    return [c for arg in typing.get_args(annotation) for c in (["null"] if arg is type(None) else literal_choices(arg))]
