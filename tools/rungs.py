"""Rungs: early stopping of hopeless candidates, in the manner of asynchronous successive halving (ASHA).

A training with rungs saves its policy at each rung's epoch and trains on. A clean process measures
that snapshot (never the reward's own figure), and the candidate is judged against every candidate
of the stage that has reached the same rung: in the bottom fraction it stops (``stopped_early``) and
its slot goes to the next job; otherwise it keeps training from where it is. There is no barrier: a
candidate is judged when it arrives, against those already there, and stays there as a reference.

Here: the pool's side (where rungs sit, the verdict it gets, its one line); the judge is the search's
(``graph/search/rungs.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypedDict


class Verdict(TypedDict):
    """A rung's judgement of one candidate (JSON, so it crosses to a Ray node and into summary.json)."""

    stop: bool
    epoch: int
    fitness: float | None  # the clean fitness of its snapshot at this rung
    peers: int  # candidates at the rung, this one included
    better: int  # of the others, how many scored strictly higher
    kept: int  # how many of ``peers`` the rung keeps


#: The fraction of the candidates at a rung that train on, where the task and the settings say nothing.
DEFAULT_KEEP = 0.5
#: No rung sits earlier: PPO's first epochs say little about a reward (pruning too early stops winners).
MIN_RUNG_EPOCH = 10
#: What the pool asks at each rung: (epoch, clean fitness of the snapshot) -> the verdict.
Judge = Callable[[int, "float | None"], Awaitable[Verdict]]


def rung_epochs(fractions: list[float], max_epochs: int) -> list[int]:
    """The epochs of rungs at these fractions of ``max_epochs`` (from MIN_RUNG_EPOCH, before the last,
    unique)."""
    return sorted({e for f in fractions if MIN_RUNG_EPOCH <= (e := round(f * max_epochs)) < max_epochs})


def parse_fractions(text: str) -> list[float]:
    """``"0.25,0.5"`` -> [0.25, 0.5]; ``"none"`` or ``""`` -> []. Raises ValueError naming the bad part."""
    if text.strip().lower() in ("", "none"):
        return []
    fractions = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise ValueError(
                f"rung {part.strip()!r} is not a number (fractions of max_epochs, e.g. 0.25,0.5)"
            ) from None
        if not 0 < value < 1:
            raise ValueError(f"rung {value:g} must be a fraction of max_epochs between 0 and 1")
        fractions.append(value)
    return sorted(set(fractions))


def describe(verdict: Verdict, max_epochs: int) -> str:
    """One line for the candidate's error, the Coder's next prompt and the report."""
    fitness = "no clean fitness" if verdict["fitness"] is None else f"clean fitness {verdict['fitness']:.4g}"
    return (
        f"stopped early at epoch {verdict['epoch']} of {max_epochs}: {fitness}, with {verdict['better']} "
        f"of the {verdict['peers'] - 1} other candidates at that rung ahead of it (the rung keeps the best "
        f"{verdict['kept']})"
    )
