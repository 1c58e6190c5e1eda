"""Structure from the model, numbers from an optimiser (``search: tuned``): a trained program's constants
(``sim/reward/constants.py``) tuned by Optuna (``tuning_sampler``: Gaussian-process Bayesian optimisation or
TPE), every trial a training at the stage's budget on
the parent's seed (common random numbers: two trials differ by their constants, not by their seed), measured
by the clean evaluation. The study lives in the run's SQLite file, so a resumed run continues it.

The study's best trials (its finalists: the best of several trials on one seed is partly luck, the winner's
curse) become candidates like any other (``tuned_from`` their parent, their ``constants`` moved): they still
have to win the selection over seeds before one can be the stage's best.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import optuna
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.trial import TrialState

from sim.reward.constants import Constant, tunable_constants, with_constants
from tools.text import fmt

#: How far from its original value a constant may move, as a factor either way (log scale, sign kept): the
#: issue's goal case is a human reward with weights off by 20 to 400 times.
SPREAD = 1000.0
#: The screen's factor: a fresh study first tries each constant alone at 1/SCREEN of its value (a term that
#: drowns the others is the model's commonest wrong scale), so the sampler starts from each one's effect.
SCREEN = 100.0
#: One trial's training: given the program and the trial number, its clean fitness (None: it did not train)
#: and the record of that training (JSON: it is kept with the trial, so a resumed run still has it).
Objective = Callable[[str, int], Awaitable["tuple[float | None, dict]"]]
ENTRY = "training"  # the trial's user attribute that holds its training's record
#: Points before the sampler's model guides the study: the parent's (or the program as written), the screen's,
#: then random ones if those are fewer. Optuna's TPE default (10) would leave a study of the default size (6
#: trials) a random search.
STARTUP_TRIALS = 3


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    """``gp``: Optuna's GPSampler (log expected improvement); ``tpe``: its multivariate TPESampler (the
    constants of a reward act together)."""
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=STARTUP_TRIALS)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=STARTUP_TRIALS, multivariate=True)
    raise ValueError(f"unknown tuning sampler {name!r} (gp, tpe)")


@dataclass
class Finalist:
    """One of a study's best trials: its program, its training's record and the constants it moved."""

    code: str
    entry: dict
    constants: list[dict]  # {"line", "original", "value"} for each constant it moved


@dataclass
class Tuned:
    """A study's outcome: its finalists, best first (none if no trial beat the parent), the parent's and the
    best trial's fitness on the shared seed, every trial's training (``runs``) and which constants mattered
    most."""

    finalists: list[Finalist]
    parent_fitness: float | None
    fitness: float | None
    runs: list[dict]
    importance: dict[str, float]  # "line N" -> its share of the fitness's variance over the trials (fANOVA)

    @property
    def trials(self) -> int:
        return len(self.runs)


def distribution(constant: Constant) -> FloatDistribution | IntDistribution:
    """The magnitude's range, log-scale around the original value (its sign is kept apart)."""
    magnitude = abs(constant.value)
    if constant.kind == "int":
        return IntDistribution(
            max(1, math.floor(magnitude / SPREAD)), max(2, math.ceil(magnitude * SPREAD)), log=True
        )
    return FloatDistribution(magnitude / SPREAD, magnitude * SPREAD, log=True)


def screen(constants: list[Constant], count: int) -> list[dict]:
    """The first ``count`` constants' one-at-a-time points: that constant's magnitude shrunk by SCREEN (an
    integer floored at 1; one that cannot shrink has no point), every other as written."""
    points = []
    for constant in constants[:count]:
        point = {c.key: abs(c.value) for c in constants}
        low = distribution(constant).low
        shrunk = abs(constant.value) / SCREEN
        point[constant.key] = max(low, round(shrunk) if constant.kind == "int" else shrunk)
        if point[constant.key] != abs(constant.value):  # an integer 1 cannot shrink: no second parent
            points.append(point)
    return points


def values_of(params: dict, constants: list[Constant]) -> dict[str, float]:
    """Signed values for ``with_constants`` from a trial's magnitudes."""
    return {c.key: math.copysign(params[c.key], c.value) for c in constants}


async def tune(
    source: str,
    parent_fitness: float | None,
    trials: int,
    objective: Objective,
    storage: Path,
    study_name: str,
    seed: int,
    affordable: Callable[[], int] = lambda: sys.maxsize,
    select: Callable[[Constant], bool] = lambda constant: True,
    sampler: str = "tpe",
    parallel: int = 1,
    finalists: int = 1,
    bar: float | None = None,
) -> Tuned:
    """Run the study's remaining trials (of ``trials``, counting those a killed run finished), ``parallel``
    at a time (the pool's slots) and no more
    than ``affordable()`` (the trainings the run's compute budget still allows), over the constants ``select``
    picks; its best ``finalists`` trials that beat ``bar`` (the parent's figure unless given) are its outcome.
    Without the parent's figure, the first trial trains the program as written."""
    constants = [c for c in tunable_constants(source) if select(c)]
    if not constants:
        return Tuned([], parent_fitness, None, [], {})
    space = {c.key: distribution(c) for c in constants}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=study_name,
        storage=f"sqlite:///{storage}",
        direction="maximize",
        sampler=make_sampler(sampler, seed),
        load_if_exists=True,
    )
    for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):  # a killed run's trial
        study.tell(stale.number, state=TrialState.FAIL)
    as_written = {c.key: abs(c.value) for c in constants}
    if parent_fitness is not None and not study.trials:  # the parent as trained: the sampler's first point
        study.add_trial(
            optuna.trial.create_trial(
                params=as_written, distributions=space, value=parent_fitness, user_attrs={"parent": True}
            )
        )
    elif not study.trials:
        study.enqueue_trial(as_written)
    if len(study.trials) <= 1:
        for point in screen(constants, trials // 2):
            study.enqueue_trial(point)
    done = [t for t in study.trials if ENTRY in t.user_attrs and t.state.is_finished()]
    owed = max(0, trials - len(done))
    while owed and (room := affordable()) > 0:
        wave = [
            study.ask(space) for _ in range(min(parallel, owed, room))
        ]  # the sampler knows the others run
        outcomes = await asyncio.gather(
            *(objective(with_constants(source, values_of(t.params, constants)), t.number) for t in wave)
        )
        for trial, (fitness, entry) in zip(wave, outcomes, strict=True):
            trial.set_user_attr(ENTRY, entry)
            study.tell(trial, fitness, state=TrialState.COMPLETE if fitness is not None else TrialState.FAIL)
        owed -= len(wave)
    return outcome(
        study, source, constants, parent_fitness, parent_fitness if bar is None else bar, finalists
    )


def outcome(
    study: optuna.Study,
    source: str,
    constants: list[Constant],
    parent_fitness: float | None,
    bar: float | None,
    finalists: int,
) -> Tuned:
    """The best ``finalists`` trials, of distinct programs, that beat ``bar`` on the shared seed."""
    runs = [t for t in study.trials if ENTRY in t.user_attrs]
    trained = sorted((t for t in runs if t.state == TrialState.COMPLETE), key=lambda t: -t.value)
    by_key = importance(study)
    shares = {f"line {c.line}": by_key[c.key] for c in constants if c.key in by_key}
    chosen: dict[str, Finalist] = {}
    for trial in trained:
        if len(chosen) == finalists or (bar is not None and trial.value <= bar):
            break
        values = values_of(trial.params, constants)
        code = with_constants(source, values)
        moved = [
            {"line": c.line, "original": c.value, "value": values[c.key]}
            for c in constants
            if values[c.key] != c.value
        ]
        chosen.setdefault(code, Finalist(code, trial.user_attrs[ENTRY], moved))
    best = trained[0].value if trained else None
    return Tuned(list(chosen.values()), parent_fitness, best, [t.user_attrs[ENTRY] for t in runs], shares)


def importance(study: optuna.Study) -> dict[str, float]:
    """Each constant's (by key) share of the fitness's variance over the trials (Optuna's fANOVA); {} with too
    few trials to tell."""
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    if len(complete) < 3 or len({t.value for t in complete}) < 2:
        return {}
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (RuntimeError, ValueError):  # too few distinct points for the evaluator
        return {}


def tuning_note(tuned: dict, candidates: list[dict]) -> str:
    """What the optimiser did to the elite, for the Coder's next prompt: what it started from (a program's
    constants, or the terms of two programs), the constants it moved, the fitness on the shared seed, and
    which constants mattered most (the project's words and numbers only)."""
    moved = "; ".join(
        f"line {m['line']}: {m['original']:.4g} -> {m['value']:.4g}" for m in tuned.get("constants") or []
    )
    after = tuned["seeds"][0]["fitness"] if tuned.get("seeds") else None
    shares = sorted((tuned.get("importance") or {}).items(), key=lambda kv: -kv[1])[:3]
    mattered = ", ".join(f"{where} ({share:.0%})" for where, share in shares)
    if tuned.get("recombined_from"):
        start = (
            f"This program sums the terms (each reported component, and the rest of each total) of "
            f"{' and '.join(tuned['recombined_from'])}, with weights set by an optimiser: "
            f"{moved or 'the starting weights (the mean of the programs) won'}. Clean fitness on the shared "
            f"seed: {fmt(after)}."
        )
    else:
        parent = next((c for c in candidates if c["id"] == tuned.get("tuned_from")), None)
        before = parent["seeds"][0]["fitness"] if parent and parent.get("seeds") else None
        start = (
            f"This program is {tuned.get('tuned_from')}'s with its constants tuned by an optimiser (the same "
            f"structure, other numbers): {moved}. Clean fitness on the shared seed: {fmt(before)} -> "
            f"{fmt(after)}."
        )
    return (
        start
        + (f" The constants that changed the fitness most: {mattered}." if mattered else "")
        + " Keep the numbers it found unless you change the structure around them."
    )
