"""The Trainer's input and output records (JSON-friendly, so they cross process boundaries)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from sim.reward.program import MAX_COMPONENTS, valid_component_name
from sim.rl.ppo_config import env_steps, ppo_config
from tools.files import write_json_atomic
from tools.job_dir import JobDir
from tools.text import clip_text

DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass
class TrainJob:
    """One PPO training run of one reward program on one task."""

    task: str
    reward_source: str
    out_dir: str
    reward_name: str = "reward"
    seed: int = 0
    #: PPO overrides on top of configs/train/ppo.yaml and the task's config (num_envs, max_epochs, ...).
    ppo: dict[str, Any] = field(default_factory=dict)
    #: A checkpoint to warm-start from (same observation/action spaces).
    checkpoint: str | None = None
    #: Set by the pool when the job gets a slot.
    device: str = "cpu"
    #: The physics backend (sim.registry.SIMS): training and the clean evaluation both run on it.
    sim: str = "default"
    #: Epochs at which the policy is snapshotted and judged against the other candidates (tools.rungs).
    rungs: list[int] = field(default_factory=list)
    #: The run's secret mixed into the training's random streams (sim.seeding):
    #: the reward cannot know its states.
    seed_salt: str = ""

    def identity(self) -> dict[str, Any]:
        """The fields every result of this job carries, trained or failed."""
        return {
            "task": self.task,
            "reward_name": self.reward_name,
            "seed": self.seed,
            "device": self.device,
            "out_dir": self.out_dir,
        }

    def write(self) -> Path:
        path = JobDir(self.out_dir).job
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, asdict(self))
        return path

    @classmethod
    def read(cls, path: Path) -> TrainJob:
        return cls(**json.loads(Path(path).read_text()))


class TrainResult(TypedDict, total=False):
    """What the Trainer returns (see README, "Trainer tool")."""

    status: str  # "trained" | "failed" | "stopped_early"
    task: str
    reward_name: str
    seed: int
    device: str
    fitness_max: float | None
    fitness: list[float | None]
    components: dict[str, list[float | None]]
    episode_length: list[float | None]
    epochs: int
    env_steps: int
    wall_s: float
    steps_per_s: float
    checkpoint: str | None
    warm_start_digest: (
        str | None
    )  # sim.rl.checkpoint.weights_digest of the weights the first epoch started from
    error: str | None
    out_dir: str
    started_at: float
    finished_at: float
    evaluation: dict  # the clean evaluation (tools/clean_eval.py): the fitness candidates are ranked by
    rung: dict  # a training stopped early: {"epoch", "fitness", "peers", "kept"} of the rung that stopped it


def failed_result(job: TrainJob, error: str, wall_s: float = 0.0) -> TrainResult:
    """A result for a job that produced no statistics."""
    return TrainResult(
        **job.identity(),
        status="failed",
        fitness_max=None,
        fitness=[],
        components={},
        episode_length=[],
        epochs=0,
        env_steps=0,
        wall_s=wall_s,
        steps_per_s=0.0,
        checkpoint=None,
        warm_start_digest=None,
        error=error,
    )


def clean_fitness(result: TrainResult) -> float | None:
    """The fitness a clean process measured for a job's policy (None if the job did not train)."""
    return (result.get("evaluation") or {}).get("fitness") if result["status"] == "trained" else None


def finite_or_none(value: Any) -> float | None:
    """``value`` as a finite float, or None: a NaN, an inf, an int too large for a float, or not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _digest(value: Any) -> str | None:
    return value if isinstance(value, str) and DIGEST.fullmatch(value) else None


def _series(values: Any) -> list[float | None]:
    return [finite_or_none(v) for v in values] if isinstance(values, list) else []


def sanitize_progress(raw: dict) -> dict | None:
    """A worker's progress message as {epoch, max_epochs, fitness}, or None if it is not one."""
    epoch, max_epochs = finite_or_none(raw.get("epoch")), finite_or_none(raw.get("max_epochs"))
    if epoch is None or max_epochs is None or max_epochs < 1:
        return None
    return {"epoch": int(epoch), "max_epochs": int(max_epochs), "fitness": finite_or_none(raw.get("fitness"))}


def sanitize_result(raw: Any, job: TrainJob, epochs_seen: list[int], wall_s: float) -> TrainResult:
    """A worker's result rebuilt from known fields with checked types and sizes, and its compute from what the
    caller saw: the epochs that came on the progress channel (``epochs_seen``) and the wall time it measured.

    The training worker ran reward code, so its message may be anything: nothing from it
    reaches the graph, a prompt or a file without passing through here. (The channel
    already bounds the message's size.) "trained" is believed only with every epoch seen, in order.
    """
    raw = raw if isinstance(raw, dict) else {}
    components = raw.get("components") if isinstance(raw.get("components"), dict) else {}
    error = raw.get("error")
    cfg = ppo_config(job.task, job.ppo)
    steps = env_steps(cfg, len(epochs_seen))
    result = TrainResult(
        **job.identity(),
        status="trained" if raw.get("status") == "trained" else "failed",
        fitness_max=finite_or_none(raw.get("fitness_max")),
        fitness=_series(raw.get("fitness")),
        components={
            k: _series(v) for k, v in list(components.items())[:MAX_COMPONENTS] if valid_component_name(k)
        },
        episode_length=_series(raw.get("episode_length")),
        epochs=len(epochs_seen),
        env_steps=steps,
        wall_s=wall_s,
        steps_per_s=steps / wall_s if wall_s > 0 else 0.0,
        checkpoint=None,
        warm_start_digest=_digest(raw.get("warm_start_digest")),
        error=clip_text(error) if isinstance(error, str) else None,
    )
    if result["status"] == "trained" and (doubt := unproven(raw, epochs_seen, cfg["max_epochs"])):
        result.update(status="failed", error=doubt)
    return result


def unproven(raw: dict, epochs_seen: list[int], max_epochs: int) -> str | None:
    """Why a "trained" claim lacks the caller's evidence (every epoch 1..max_epochs reported on the progress
    channel, in order, and the claim's own epoch count agreeing), or None."""
    claimed = finite_or_none(raw.get("epochs"))
    if epochs_seen == list(range(1, max_epochs + 1)) and claimed == max_epochs:
        return None
    seen = (
        f"epochs {epochs_seen[0]}..{epochs_seen[-1]} ({len(epochs_seen)} reports)"
        if epochs_seen
        else "no epoch"
    )
    return (
        f"the worker reported a finished training of {fmt_count(claimed)} epochs, "
        f"but its progress showed {seen} of {max_epochs}: a result without that evidence is not believed"
    )


def fmt_count(value: float | None) -> str:
    return "an unreadable number of" if value is None else str(int(value))
