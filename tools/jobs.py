"""The Trainer's input and output records (JSON-friendly, so they cross process boundaries)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from tools.files import write_json_atomic

JOB_FILE = "job.json"
RESULT_FILE = "result.json"
LOG_FILE = "train.log"
#: Worker output lines starting with this carry a JSON progress record (epoch, max_epochs, fitness).
PROGRESS_PREFIX = "eureka-progress "


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

    def identity(self) -> dict[str, Any]:
        """The fields every result of this job carries, trained or failed."""
        return {"task": self.task, "reward_name": self.reward_name, "seed": self.seed, "device": self.device,
                "out_dir": self.out_dir}  # fmt: skip

    def write(self) -> Path:
        path = Path(self.out_dir) / JOB_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, asdict(self))
        return path

    @classmethod
    def read(cls, path: Path) -> TrainJob:
        return cls(**json.loads(Path(path).read_text()))


class TrainResult(TypedDict, total=False):
    """What the Trainer returns (see README, "Trainer tool")."""

    status: str  # "trained" | "failed"
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
    error: str | None
    out_dir: str
    started_at: float
    finished_at: float


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
        error=error,
    )
