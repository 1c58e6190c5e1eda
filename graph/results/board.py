"""What the run is doing right now, for /status: the stage, the iteration, and the trainings in flight.

The graph's checkpoint holds finished work; this holds what only the running process knows
(a training's epoch and fitness so far). The nodes update it; the steering service reads it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from graph.results.eta import RunClock
from graph.state import OPTIMISER
from tools.text import fmt


@dataclass
class Training:
    epoch: int = 0
    max_epochs: int = 0
    fitness: float | None = None  # the training figure so far (the reward process's word)
    started: float = field(default_factory=time.monotonic)

    def eta_s(self) -> float:
        """Seconds to the last epoch at the pace so far."""
        elapsed = time.monotonic() - self.started
        return elapsed / self.epoch * (self.max_epochs - self.epoch) if self.epoch else float("nan")


@dataclass
class LiveBoard:
    stage: str = ""
    task: str = ""
    iteration: int = 0
    iterations: int = 0
    training: dict[str, Training] = field(default_factory=dict)
    finished: dict[str, dict] = field(default_factory=dict)  # candidate id -> Candidate, this process's
    compute: dict | None = (
        None  # the stage's compute up to its last finished iteration (graph.results.summary)
    )
    clock: RunClock = field(default_factory=RunClock)  # the run's time so far and its ETA

    def at_iteration(self, spec: dict, iteration: int) -> None:
        """Where the run is: ``spec`` (a StageSpec) and the iteration about to start."""
        self.stage, self.task, self.iteration, self.iterations = (
            spec["name"],
            spec["task"],
            iteration,
            spec["iterations"],
        )
        if iteration == 0:
            self.compute = None
        self.clock.at_iteration(spec, iteration)

    def stage_candidates(self) -> list[dict]:
        """The running stage's candidates this process finished."""
        return [c for key, c in self.finished.items() if key.startswith(f"{self.stage}/")]

    def progress(self, name: str, progress: dict) -> Training:
        """A training's epoch (a candidate's, or a final evaluation's); the board's entry for it."""
        entry = self.training.setdefault(name, Training())
        entry.epoch, entry.max_epochs, entry.fitness = (
            progress["epoch"],
            progress["max_epochs"],
            progress["fitness"],
        )
        return entry

    def done(self, record: dict) -> None:
        self.training.pop(record["id"], None)
        self.finished[f"{self.stage}/{record['id']}"] = record
        if record.get("author") != OPTIMISER:  # a sample (a tuned winner is not one)
            self.clock.sampled(self.task, record["status"] in ("trained", "stopped_early", "failed"))

    def evaluated(self, name: str) -> None:
        self.training.pop(name, None)

    def spent(self) -> str:
        """The stage's compute so far, as one line."""
        c = self.compute
        if not c:
            return "compute: nothing trained yet in this stage"
        return (
            f"compute to iteration {self.iteration}: {c['env_steps']:,} env-steps, {c['train_s']:.0f} s of "
            f"training, {c['trainings']} trainings ({c['stopped_early']} stopped early, {c['duplicates']} "
            f"duplicates not trained)"
        )

    def describe(self) -> list[str]:
        """One line per training in flight: its epoch, fitness so far, time spent and ETA."""
        now = time.monotonic()
        return [
            f"{name}: epoch {t.epoch}/{t.max_epochs}, fitness {fmt(t.fitness)}, {now - t.started:.0f} s, "
            f"ETA {t.eta_s():.0f} s"
            for name, t in sorted(self.training.items())
        ]
