"""Run settings: one typed model whose fields carry their group, default and description, in one place.

The flags of graph.run are made from the fields (``add_flags``). configs/run.yaml (or ``--config FILE``)
overrides the defaults, the command line overrides both, and everything is checked before anything runs.
"""

from __future__ import annotations

import argparse
import re
import typing
from functools import partial
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agents.llm.gateway import DEFAULT_MAX_TOKENS
from agents.llm.modes import AGENT_MODES
from agents.llm.pricing import PRICES_FILE, PriceTable
from configs import CONFIG_DIR, load_yaml
from prompts import profiles
from sim.registry import SIMS, check_backend, task_class
from tools.devices import parse_devices
from tools.rungs import DEFAULT_KEEP, parse_fractions
from tools.trainer import TRAIN_MEMORY_GB, TRAIN_TIMEOUT_S

#: The user's overrides of the defaults (empty as shipped).
DEFAULTS_FILE = CONFIG_DIR / "run.yaml"
#: A parameter count in a model name: qwen2.5-coder:1.5b, Llama-3.1-8B-Instruct, phi3:3.8b.
SIZE_IN_NAME = re.compile(r"(?<![\d.x])(\d+(?:\.\d+)?)b(?![a-z])", re.IGNORECASE)
SMALL_CONTEXT_TOKENS = 8192
#: The settings each pool reads: given as flags under the other pool, they would silently do nothing.
POOL_SETTINGS = {
    "local": ("devices", "trainers_per_device"),
    "ray": ("ray_address", "ray_gpus", "gpus_per_trainer"),
}
#: The groups of settings (the sections of --help), each with what its settings decide.
GROUPS = {
    "run": "the task, the loop's budget and the run's files",
    "LLM": "the agents' models and how they are called",
    "search": "which candidates train, for how long, and which one is best",
    "pool": "where trainings run and how many at a time",
    "training": "each PPO training and the dry run before it",
}
#: A bound's error type -> how a message says it.
BOUNDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}
#: How a flag spells None for a setting that allows it.
NULL = "null"


def setting(group: str, default: Any, description: str, *, flag: bool = True, **constraints: Any) -> Any:
    """A field of Settings: its group, default, description (its flag's help) and constraints."""
    extra = {"group": group, "flag": flag}
    return Field(default, description=description, json_schema_extra=extra, **constraints)


RUN, LLM, SEARCH, POOL, TRAINING = (partial(setting, group) for group in GROUPS)


class SettingsError(ValueError):
    """A bad setting; the message names it."""


class Settings(BaseModel):
    """Every setting of a run, by group. A field's description is its documentation and its --flag's help."""

    model_config = ConfigDict(strict=True, extra="forbid", validate_default=True)

    task: str = RUN("Cartpole", "task name, e.g. Cartpole, BallBalance, Quadcopter, ShadowHandSpin")
    curriculum: str | None = RUN(
        None,
        "stages: null for the task's own (configs/tasks/<Task>.yaml), else the task alone; A,B chains tasks "
        "that share spaces (the last is the task); auto lets the Curriculum agent propose a chain",
    )
    stage: int | None = RUN(None, "run only this stage (1-based) of the curriculum", ge=1)
    init_checkpoint: str | None = RUN(None, "an rl_games checkpoint the first stage warm-starts from")
    iterations: int = RUN(3, "Eureka iterations (the paper uses 5)", ge=1)
    samples: int = RUN(4, "reward programs sampled per iteration, K (the paper uses 16)", ge=1)
    eval_seeds: int = RUN(
        3,
        "final evaluation: the best reward retrained with this many held-out seeds (never used to select it)",
        ge=1,
    )
    budget_minutes: float | None = RUN(
        None,
        "stop sampling once the run has taken this many minutes (checked after each iteration; this "
        "process's time: a resume starts the clock again); the run still finishes: final evaluation, "
        "summary, report",
        gt=0,
    )
    env_steps_budget: int | None = RUN(
        None,
        "stop sampling, training extra seeds and tuning once the run's trainings have taken this many "
        "env-steps (checked after each iteration; extra seeds and tuning trials start no more trainings than "
        "the rest holds); the run still finishes: final evaluation, summary (compute.budget_env_steps), "
        "report; graph.bench gives every search the same",
        gt=0,
    )
    train_seconds_budget: float | None = RUN(
        None,
        "as env_steps_budget, in seconds of training (every training's wall time, summed over the slots)",
        gt=0,
    )
    feedback: Literal["auto", "human"] = RUN(
        "auto",
        "auto: the Critic's reflection drives each iteration; human: Eureka's human-feedback mode, every "
        "iteration waits for a person's feedback (graph.run's prompt, graph.chat, --steer-file), which "
        "replaces the reflection",
    )
    init_reward: Literal["human"] | None = RUN(
        None, "human: the first Coder prompt starts from the task's human reward (the paper's Human Init.)"
    )
    report_video_s: float = RUN(
        5, "report.html's clip of the best policy (MuJoCo tasks), in seconds; 0: none", ge=0
    )
    run_dir: str | None = RUN(None, "where to write the run; null: runs/<task>-<timestamp>")
    command_line: str | None = RUN(
        None,
        "written by graph.run: the settings given as flags (they win over a curriculum stage's budget)",
        flag=False,
    )

    llm: str = LLM("local", "default model for every agent: provider:model, replay:PATH, local[:PATH.gguf]")
    coder_llm: str | None = LLM(None, "model for the Coder; null: llm")
    critic_llm: str | None = LLM(
        None, "model for the Critic; null: llm; in text mode it adds an LLM analysis only when set"
    )
    curriculum_llm: str | None = LLM(
        None, "model for the Curriculum agent's decisions at stage boundaries; null: llm"
    )
    base_url: str | None = LLM(
        None, "an OpenAI-compatible server for the models, e.g. http://127.0.0.1:8000/v1"
    )
    temperature: float | None = LLM(1.0, "sampling temperature of every model", ge=0)
    prompt_profile: Literal[("auto", *profiles())] = LLM(
        "auto",
        "prompt templates: a folder under prompts/, or auto: small for a small Coder model (the embedded "
        "one, a name saying <= 8B parameters, or llm_context_tokens < 8192: 2x execute rate), else paper",
    )
    repair_attempts: int = LLM(
        3,
        "text mode: more Coder calls for a program that fails validation (its error and a hint, or a fresh "
        "start; the embedded model: 90% valid samples with 3, 77% with 2)",
        ge=0,
    )
    agent_mode: Literal[AGENT_MODES] = LLM(
        "auto",
        "tools: agents call tools (the Coder checks its program, the Critic reads every candidate); text: "
        "Eureka's prompt/answer protocol; auto: tools for models that support tool calling",
    )
    tool_rounds: int = LLM(
        6, "tools mode: model calls per agent conversation (a Coder sample, a Critic decision)", ge=1
    )
    llm_max_concurrency: int = LLM(4, "LLM calls in flight at once", ge=1)
    llm_requests_per_minute: float = LLM(60, "LLM calls started per minute at most", gt=0)
    llm_retries: int = LLM(3, "retries of a failed LLM call (transient errors)", ge=0)
    llm_timeout_s: float = LLM(600, "seconds an LLM call may take", gt=0)
    llm_max_tokens: int = LLM(
        DEFAULT_MAX_TOKENS,
        "answer budget per LLM call; an answer cut off by it is reported truncated, never trained",
        ge=1,
    )
    llm_context_tokens: int | None = LLM(
        None,
        "the models' context window; an OpenAI-compatible server's own report is used when it gives one "
        "(llama.cpp, vLLM), the smaller of the two if both; null: unknown (API models)",
        ge=1,
    )
    prices: str | None = LLM(None, "the LLM price table (USD per million tokens); null: configs/prices.yaml")
    budget_usd: float | None = LLM(
        None,
        "stop sampling once the LLM calls cost this much (every model must have a price); the run still "
        "finishes: final evaluation, summary, report",
        gt=0,
    )

    search: Literal["robust", "eureka", "tuned"] = SEARCH(
        "robust",
        "robust: no program trained twice, the best seed_top_k candidates of each iteration trained with "
        "extra_seeds more seeds and ranked by their clean fitness over them (rank_by); eureka: the paper's "
        "search (one seed, argmax, no deduplication); tuned: robust, and the iteration's best program's "
        "constants tuned by Optuna (tuning_trials), a copy spent on tuning instead of on the model",
    )
    tuning_trials: int = SEARCH(
        6,
        "search tuned: trainings that tune the constants of each iteration's best program (one more for each "
        "copy a sample sent back); 0: no tuning",
        ge=0,
    )
    tuning_sampler: Literal["gp", "tpe"] = SEARCH(
        "tpe",
        "search tuned: Optuna's sampler of the constants and weights; gp: Gaussian-process Bayesian "
        "optimisation; tpe: multivariate TPE; both guided after the parent's point and the screen's "
        "(each constant alone a hundred times smaller)",
    )
    tuning_finalists: int = SEARCH(
        2,
        "search tuned: a study's best trials that become candidates, each selected over seeds like any other "
        "(the best of many trials on one seed is partly luck)",
        ge=1,
    )
    recombination_trials: int = SEARCH(
        3,
        "search tuned: trainings that set the weights of a program recombined from the terms of the stage's "
        "two best programs (after each iteration's tuning; the first trains the mean of the two); 0: none",
        ge=0,
    )
    seed_top_k: int = SEARCH(2, "search robust: the candidates of each iteration that get more seeds", ge=1)
    extra_seeds: int = SEARCH(2, "search robust: the seeds each of them gets beyond its first", ge=0, le=999)
    rank_by: Literal["median", "mean", "mean-sem"] = SEARCH(
        "median",
        "search robust: a candidate's figure over its seeds, what it is ranked by: median (one lucky seed of "
        "three does not decide), mean, or mean-sem (the mean less one standard error); measured by "
        "bench/selection_rule.py",
    )
    rungs: str | None = SEARCH(
        None,
        "search robust: where candidates are judged early, as fractions of max_epochs (0.25,0.5); none: no "
        "early stopping; null: the task's own (configs/tasks/<Task>.yaml rungs, measured by "
        "bench/rung_placement.py)",
    )
    rung_keep: float | None = SEARCH(
        None,
        "search robust: the fraction of the candidates at a rung that train on; null: the task's own "
        f"rung_keep, else {DEFAULT_KEEP}",
        gt=0,
        le=1,
    )
    rung_min_peers: int = SEARCH(
        3, "search robust: candidates that must have reached a rung before one of them is stopped there", ge=2
    )

    pool: Literal["local", "ray"] = POOL(
        "local", "local: the device pool; ray: one Ray actor per training ([ray] extra)"
    )
    devices: str = POOL(
        "auto", "pool local: training devices, auto (every visible GPU, else cpu) or a list: cpu, cuda:0, ..."
    )
    trainers_per_device: int = POOL(2, "pool local: trainings at a time on each device", ge=1)
    ray_address: str | None = POOL(
        None, "pool ray: a running cluster (e.g. ray://head:10001 or auto); null: a local Ray instance"
    )
    ray_gpus: int | None = POOL(
        None, "pool ray, local instance: logical GPUs to declare; null: the GPUs Ray finds", ge=0
    )
    gpus_per_trainer: float | None = POOL(
        None,
        "pool ray: GPUs each training holds; fractions share a GPU (0.5: two per GPU); null: one where Ray "
        "reports GPUs, else none (the run logs its choice)",
        ge=0,
    )
    overlap: Literal["auto", "true", "false"] = POOL(
        "auto",
        "let LLM sampling and PPO run at the same time; auto: off when any agent uses the embedded model (on "
        "2 cores one PPO job cuts its generation from 29 to 0.3 tokens/s, bench/llm_vs_training.py), on for "
        "API models",
    )

    num_envs: int | None = TRAINING(None, "parallel environments per training; null: the task's own", ge=1)
    max_epochs: int | None = TRAINING(None, "PPO epochs per training; null: the task's own", ge=1)
    seed: int = TRAINING(0, "the training seed of every candidate")
    sim: Literal[SIMS] = TRAINING(
        "default",
        "physics: default (each task's own), mjwarp (MuJoCo tasks on MuJoCo Warp, [gpu] extra), isaacgym "
        "(IsaacGymEnvs' task of the same name; Isaac Gym installed by hand)",
    )
    train_timeout_s: float = TRAINING(
        TRAIN_TIMEOUT_S, "seconds a training may take before it is killed", gt=0
    )
    train_memory_gb: float = TRAINING(TRAIN_MEMORY_GB, "memory a training may use before it is killed", gt=0)
    check_timeout_s: float = TRAINING(60, "seconds a reward program's dry run may take", gt=0)

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

    @field_validator("rungs")
    @classmethod
    def _rungs(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_fractions(value)
            except ValueError as exc:
                raise ValueError(f"setting rungs: {exc}") from None
        return value

    @model_validator(mode="after")
    def _curriculum_ends_with_the_task(self) -> Settings:
        """An explicit curriculum's last stage is the task; --stage needs a curriculum known up front."""
        if self.curriculum and self.curriculum != "auto":
            last = self.curriculum.split(",")[-1].strip()
            if "task" in self.flags() and self.task != last:
                raise ValueError(
                    f"--task {self.task} must be the last stage of --curriculum {self.curriculum}"
                )
            task_class(last)  # UnknownTaskError names the known tasks
            self.task = last
        if self.curriculum == "auto" and self.stage is not None:
            raise ValueError("--stage needs a known curriculum, not --curriculum auto")
        return self

    @model_validator(mode="after")
    def _backend_here(self) -> Settings:
        check_backend(self.sim, self.task)  # one line, before anything is sampled or written
        return self

    @model_validator(mode="after")
    def _flags_of_this_pool(self) -> Settings:
        """A flag of the other pool would silently do nothing."""
        for pool, names in POOL_SETTINGS.items():
            if self.pool != pool and (flags := sorted(self.flags() & set(names))):
                flag = f"--{flags[0].replace('_', '-')}"
                raise ValueError(f"{flag} applies to --pool {pool}, and this run uses --pool {self.pool}")
        return self

    @model_validator(mode="after")
    def _budget_has_prices(self) -> Settings:
        """A budget needs a price for every agent's model."""
        if self.budget_usd is not None:
            table_file = Path(self.prices) if self.prices else PRICES_FILE
            table = PriceTable.load(table_file)  # PriceTableError names the file and the entry
            unpriced = sorted({spec for spec in self.agent_llms().values() if table.price(spec) is None})
            if unpriced:
                raise ValueError(
                    f"budget_usd needs a price for {', '.join(unpriced)}: add it to {table_file}"
                )
        return self

    @classmethod
    def load(cls, path: Path = DEFAULTS_FILE, overrides: dict[str, Any] | None = None) -> Settings:
        """The defaults, then the YAML file ``path``, then ``overrides``; prompt_profile auto resolved."""
        try:
            data = load_yaml(path)
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise SettingsError(f"cannot read settings from {path}: {exc}") from exc
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            raise SettingsError(f"{path}: unknown settings {unknown}")
        settings = checked({**data, **(overrides or {})})
        if settings.prompt_profile == "auto":
            settings.prompt_profile = "small" if settings.small_coder() else "paper"
        return settings

    def updated(self, **changes: Any) -> Settings:
        """A copy with ``changes``, checked like a new run's settings."""
        return checked({**self.model_dump(), **changes})

    def flags(self) -> set[str]:
        """The settings given on graph.run's command line."""
        return set((self.command_line or "").split(",")) - {""}

    def agent_llms(self) -> dict[str, str]:
        """The model spec of each agent that calls an LLM."""
        return {
            "coder": self.coder_llm or self.llm,
            "critic": self.critic_llm or self.llm,
            "curriculum": self.curriculum_llm or self.llm,
        }

    def small_coder(self) -> bool:
        """Whether the Coder's model is small: the embedded one, a name saying <= 8B, a small context."""
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


def checked(data: dict[str, Any]) -> Settings:
    """Settings from ``data``; SettingsError names the first problem."""
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise SettingsError(one_line(exc)) from None


def add_flags(parser: argparse.ArgumentParser) -> None:
    """A --flag for each setting, in one section per group; given flags only are set (``null``: None)."""
    sections = {
        group: parser.add_argument_group(f"{group} settings", about) for group, about in GROUPS.items()
    }
    for name, field in Settings.model_fields.items():
        if field.json_schema_extra["flag"]:
            default = yaml.safe_dump(field.default).splitlines()[0]
            sections[field.json_schema_extra["group"]].add_argument(
                f"--{name.replace('_', '-')}",
                dest=name,
                default=argparse.SUPPRESS,
                help=f"{field.description} (default: {default})".replace("%", "%%"),
                **flag_kind(field.annotation),
            )


def flag_kind(annotation: Any) -> dict[str, Any]:
    """The argparse type (or action) of a setting's flag: --x/--no-x for a bool, a Literal's choices."""
    kinds = () if typing.get_origin(annotation) is Literal else typing.get_args(annotation)
    nullable = type(None) in kinds
    kind = next((k for k in kinds if k is not type(None)), annotation)
    if kind is bool:
        return {"action": argparse.BooleanOptionalAction}
    choices = literal_choices(kind)

    def value(text: str) -> Any:
        if nullable and text == NULL:
            return None
        if choices and text not in choices:
            raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(choices)})")
        try:
            return text if choices else kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None

    spelled = [NULL] * nullable
    metavar = f"{{{','.join(choices + spelled)}}}" if choices else "|".join([kind.__name__.upper(), *spelled])
    return {"type": value, "metavar": metavar}


def one_line(exc: ValidationError) -> str:
    """The first problem of a ValidationError in one line naming the setting: ``setting samples must be >= 1,
    got 0``."""
    error = exc.errors()[0]
    if error["type"] == "value_error":  # a validator's own message (a whole-model check has no field)
        return str(error["ctx"]["error"])
    name, value, kind, ctx = error["loc"][0], error["input"], error["type"], error.get("ctx", {})
    if kind in BOUNDS:
        sign, key = BOUNDS[kind]
        return f"setting {name} must be {sign} {ctx[key]}, got {value}"
    if kind == "literal_error":
        choices = literal_choices(Settings.model_fields[name].annotation)
        return f"setting {name} must be {', '.join(choices[:-1])} or {choices[-1]}, got {value!r}"
    annotation = Settings.model_fields[name].annotation
    type_name = (
        " | ".join(getattr(t, "__name__", str(t)) for t in typing.get_args(annotation)) or annotation.__name__
    )
    return f"setting {name}={value!r} must be of type {type_name.replace('NoneType', 'None')}"


def literal_choices(annotation: Any) -> list[str]:
    """The values a Literal (or an optional Literal) annotation allows, as YAML spells them (None: null)."""
    if typing.get_origin(annotation) is Literal:
        return [str(c) for c in typing.get_args(annotation)]
    return [
        c
        for arg in typing.get_args(annotation)
        for c in ([NULL] if arg is type(None) else literal_choices(arg))
    ]
