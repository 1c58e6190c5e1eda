"""The run's ETA: the wall time left of the whole run, from the work its plan has left and the pace so far.

Each stage left costs its iterations, then its final evaluation and, where the Curriculum agent has a choice,
its decision. An iteration costs the model's time for its K samples, then its trainings ``slots`` at a time
(a wave with fewer costs less, ``SOLO_WAVE``):
the samples that train, the tuning trials and the extra seeds (seed_top_k × extra_seeds of those that
trained). Each sample trains with the task's chance (the share of the run's samples of that task that went to
training; before one has ended, the task's ``expected_trained_share``, else ``TRAINED_SHARE``), so the waves
are an expectation over how many train; a stage where nothing trained has no evaluation. A training costs the
mean wall time (start-up, PPO, clean evaluation) of the run's trainings of the stage's task that did not fail,
scaled by epochs × envs; before one has ended, the task's ``expected_training_s`` (configs/tasks/<Task>.yaml)
scaled the same way. The model's time is the wall time of each finished iteration with no training in flight
(the Coder, the checks, the Critic, steering), per sample; before one has ended, ``LLM_S_PER_SAMPLE``. Not
foreseen: a stage ending early at ``success_to_advance`` or ``fitness_max``, a repeat; each counts once it has
happened.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

import structlog

from graph.state import StageSpec
from sim.registry import task_config
from sim.rl.ppo_config import ppo_config
from tools.jobs import TrainJob, TrainResult

log = structlog.get_logger("graph")
#: The model's seconds per sample before an iteration of the run has ended: the embedded model on 2 cores,
#: 94-263 s per iteration of 4 Cartpole samples (README's Quick start), about 3 min per iteration of 3
#: ShadowHandSpin samples (issue 41).
LLM_S_PER_SAMPLE = 50.0
#: The share of a task's samples that go to training (not invalid after the repairs, not a copy) before the
#: run has measured its own, where the task records none: 9 of 12 in a default Cartpole run (RESULTS.md).
TRAINED_SHARE = 0.75
#: A wave of one training where two could run takes this share of a full wave's time (it has both cores):
#: ShadowHandSpin trained alone in 81.5 s and 89.4 s, two at a time in 128-138 s (headline runs fce63e9,
#: 655d5db).
SOLO_WAVE = 0.65


@dataclass(frozen=True)
class Work:
    """What is left of one stage."""

    task: str
    size: int  # epochs × envs of each of its trainings
    iterations: int
    samples: int
    trials: int  # tuning trials per iteration
    top_k: int  # the samples that train that get extra seeds (0: none)
    extra_seeds: int  # the seeds each of them gets
    eval_seeds: int
    decides: bool  # the Curriculum agent's model is asked after it
    trained: bool = False  # one of its samples has trained already: its evaluation will run
    finalists: int = 0  # search tuned: the studies' finalists per iteration, each with extra seeds too


@dataclass
class Pace:
    """What the run has measured: its trainings (wall s, epochs × envs) by task, the model's s per sample."""

    trainings: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    llm: list[float] = field(default_factory=list)  # one per finished iteration
    samples: dict[str, list[bool]] = field(default_factory=dict)  # by task: whether each sample trained

    def training_s(self, task: str, size: int) -> float:
        measured = self.trainings.get(task)
        if not measured:
            return recorded_training_s(task, size)
        return statistics.fmean(wall * size / done for wall, done in measured)

    def llm_s(self) -> float:
        return statistics.fmean(self.llm) if self.llm else LLM_S_PER_SAMPLE

    def trained_share(self, task: str) -> float:
        measured = self.samples.get(task)
        if not measured:
            return task_config(task).get("expected_trained_share", TRAINED_SHARE)
        return statistics.fmean(measured)


def recorded_training_s(task: str, size: int) -> float:
    """The task's recorded wall time of a training, scaled from its own epochs × envs to ``size``."""
    ppo = ppo_config(task)
    return task_config(task)["expected_training_s"] * size / (ppo["max_epochs"] * ppo["num_envs"])


def expected_waves(work: Work, share: float, slots: int) -> float:
    """The expected waves of trainings of one iteration whose samples each train with chance ``share``: the
    samples that train, the extra seeds of the best of them (and of the studies' finalists), and the tuning
    trials if any trained."""
    waves = 0.0
    for n in range(work.samples + 1):
        chance = math.comb(work.samples, n) * share**n * (1 - share) ** (work.samples - n)
        seeds = (min(work.top_k, n) + (work.finalists if n else 0)) * work.extra_seeds
        trials = work.trials if n else 0
        waves += chance * sum(map(partial(wave_count, slots=slots), (n, seeds, trials)))
    return waves


def wave_count(trainings: int, slots: int) -> float:
    """The waves ``trainings`` take ``slots`` at a time, in full waves: a last one with fewer trainings than
    slots costs its share of the slots, at least ``SOLO_WAVE``."""
    full, rest = divmod(trainings, slots)
    return full + (max(rest / slots, SOLO_WAVE) if rest else 0.0)


def phases(work: Work, pace: Pace, slots: int) -> list[float]:
    """The expected seconds of each iteration left of a stage, then of its evaluation and decision."""
    t, llm, share = pace.training_s(work.task, work.size), pace.llm_s(), pace.trained_share(work.task)
    iteration = work.samples * llm + t * expected_waves(work, share, slots)
    evaluated = 1.0 if work.trained else 1 - (1 - share) ** (work.samples * work.iterations)
    evaluation = evaluated * t * wave_count(work.eval_seeds, slots) + (llm if work.decides else 0.0)
    return [iteration] * work.iterations + [evaluation]


def remaining_s(plan: list[Work], pace: Pace, slots: int, elapsed_s: float = 0.0) -> float:
    """Seconds left of ``plan``, whose first phase has run ``elapsed_s`` (an overrun costs nothing more)."""
    times = [t for work in plan for t in phases(work, pace, slots)]
    return max(times[0] - elapsed_s, 0.0) + sum(times[1:]) if times else 0.0


class RunClock:
    """The run's clock (this process's): where the run is, its pace so far, its ETA; the board's ``clock``."""

    def __init__(
        self,
        slots: int = 1,
        seed_top_k: int = 0,
        extra_seeds: int = 0,
        tuning_trials: int = 0,
        finalists: int = 0,
    ):
        self.slots, self.seed_top_k, self.extra_seeds = slots, seed_top_k, extra_seeds
        self.tuning_trials, self.finalists = tuning_trials, finalists
        self.started = time.monotonic()
        self.pace = Pace()
        self.planned: list[StageSpec] = []
        self.spec: StageSpec | None = None
        self.iteration, self.evaluating, self.first_eta_s = 0, False, None
        self.in_flight = 0
        self.stage_trained = False  # a sample of the running stage has trained
        #: The running iteration's samples so far (task, trained): they join the pace when it ends, since the
        #: samples that do not train end first and would make the share look low.
        self.iteration_samples: list[tuple[str, bool]] = []
        self.env_steps, self.train_s = 0, 0.0  # of the run's trainings so far (a resume carries them over)
        self.new_phase()

    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    def new_phase(self) -> None:
        self.phase_started = self.busy_since = time.monotonic()
        self.busy_s = 0.0

    def idle_s(self) -> float:
        """The phase's seconds so far with no training in flight."""
        now = time.monotonic()
        return now - self.phase_started - self.busy_s - (now - self.busy_since if self.in_flight else 0.0)

    def plan(self, specs: list[StageSpec]) -> None:
        """The run's stages (a finished one is skipped by its number); logs the run's first ETA."""
        self.planned = list(specs)
        self.new_phase()
        self.report()

    def at_iteration(self, spec: StageSpec, iteration: int) -> None:
        """A stage's iteration starts; the stage's iteration before it gives the model's time per sample."""
        self.iteration_ended()
        same = self.spec is not None and self.spec["name"] == spec["name"] and not self.evaluating
        if same and iteration == self.iteration + 1:
            self.pace.llm.append(self.idle_s() / self.spec["samples"])
        if self.spec is None or self.spec["name"] != spec["name"]:
            self.stage_trained = False
        self.spec, self.iteration, self.evaluating = spec, iteration, False
        self.new_phase()

    def at_evaluation(self) -> None:
        """The stage samples no more: its final evaluation (or its end) comes next."""
        self.iteration_ended()
        self.evaluating = True
        self.new_phase()

    @contextmanager
    def training(self) -> Iterator[None]:
        """Around one training: while one is in flight, the time is not the model's."""
        if not self.in_flight:
            self.busy_since = time.monotonic()
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self.busy_s += time.monotonic() - self.busy_since

    def trained(self, job: TrainJob, result: TrainResult) -> None:
        """A training ended: its env-steps and seconds join the run's, its wall time the pace (unless it
        failed); logs the ETA."""
        self.env_steps += int(result.get("env_steps") or 0)
        self.train_s += float(result.get("wall_s") or 0.0)
        if result["status"] != "failed":
            ppo = ppo_config(job.task, job.ppo)
            size = ppo["max_epochs"] * ppo["num_envs"]
            wall = result["finished_at"] - result["started_at"]
            self.pace.trainings.setdefault(job.task, []).append((wall, size))
        self.report()

    def sampled(self, task: str, trained: bool) -> None:
        """A sample of the running stage ended: it went to training (whatever came of it), or not (invalid,
        a copy, no answer)."""
        self.iteration_samples.append((task, trained))
        self.stage_trained |= trained

    def iteration_ended(self) -> None:
        """The samples of the iteration that ended join the pace."""
        for task, trained in self.iteration_samples:
            self.pace.samples.setdefault(task, []).append(trained)
        self.iteration_samples = []

    def carry(self, compute: dict) -> None:
        """A resumed run's clock starts with what its summary says the run trained before."""
        self.env_steps += int(compute.get("env_steps") or 0)
        self.train_s += float(compute.get("train_s") or 0.0)

    def work(self) -> list[Work]:
        """What is left: the running stage's iterations (none once it evaluates), then the later stages."""
        after = self.spec["number"] if self.spec else 0
        stages = [(s, s["iterations"]) for s in self.planned if s["number"] > after]
        if self.spec:
            stages.insert(0, (self.spec, 0 if self.evaluating else self.spec["iterations"] - self.iteration))
        return [
            self.stage_work(
                spec, iterations, n + 1 < len(stages) or spec["repeats"] > 0, n == 0 and self.stage_trained
            )
            for n, (spec, iterations) in enumerate(stages)
        ]

    def stage_work(self, spec: StageSpec, iterations: int, decides: bool, trained: bool = False) -> Work:
        search = spec.get("search", "eureka")  # NotRequired: a run from before the searches
        searched, tuned = search != "eureka", search == "tuned"
        return Work(
            task=spec["task"],
            size=spec["ppo"]["max_epochs"] * spec["ppo"]["num_envs"],
            iterations=max(iterations, 0),
            samples=spec["samples"],
            trials=self.tuning_trials if tuned else 0,
            top_k=self.seed_top_k if searched else 0,
            finalists=self.finalists if tuned else 0,
            extra_seeds=spec.get("extra_seeds", self.extra_seeds),
            eval_seeds=spec["eval_seeds"],
            decides=decides,
            trained=trained,
        )

    def eta_s(self) -> float:
        """The expected seconds left of the whole run."""
        return remaining_s(self.work(), self.pace, self.slots, time.monotonic() - self.phase_started)

    def report(self) -> None:
        """Log the ETA; the first once the stages are known is the run's first estimate."""
        eta = self.eta_s()
        if self.first_eta_s is None and self.planned:
            self.first_eta_s = eta
        log.info("run.eta", eta_s=round(eta), elapsed_s=round(self.elapsed_s()))

    def line(self) -> str:
        """``run: 3 min 20 s so far, about 24 min 10 s left`` (the ETA once the stages are known)."""
        left = f", about {minutes(self.eta_s())} left" if self.planned else ""
        return f"run: {minutes(self.elapsed_s())} so far{left}"

    def timing(self) -> dict:
        """summary.json's ``timing``: the run's first whole-run ETA and its real wall time, in seconds."""
        first = None if self.first_eta_s is None else round(self.first_eta_s, 1)
        return {"first_eta_s": first, "wall_s": round(self.elapsed_s(), 1)}


def minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"
