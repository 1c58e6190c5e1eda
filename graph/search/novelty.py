"""Whether a program is worth training: not one the stage already trained or a sample is training now, known
by its normal form (``sim/reward/normal_form.py``) or by its behaviour digest (``tools/check_worker.py``)."""

from __future__ import annotations

from graph.state import Candidate
from sim.reward.normal_form import program_digest
from tools.reward_check import CHECKED_STATES
from tools.text import fmt

#: What a sample is told when its program was already tried (``owner`` the candidate that has it).
REFUSAL = "this program was already tried: {owner}, {known} ({same}); write a different reward function"


def behaviour_key(behaviour: str) -> str:
    """A behaviour digest as a key beside the normal-form digests of KnownPrograms."""
    return f"behaviour:{behaviour}"


def trained_programs(candidates: list[Candidate]) -> dict[str, tuple[str, float | None]]:
    """The stage's programs that went to training, by normal-form digest, and those that trained by behaviour
    digest too: {digest: (candidate, fitness)}. A failed or stopped program blocks only its own normal form (a
    different program that agrees with it on the check's states may still train, and tell the two apart)."""
    went = [
        c for c in candidates if c.get("program") and c["status"] in ("trained", "failed", "stopped_early")
    ]
    keys = {c["program"]: (c["id"], c["fitness"]) for c in went}
    keys.update(
        {
            behaviour_key(c["behaviour"]): (c["id"], c["fitness"])
            for c in went
            if c["status"] == "trained" and c.get("behaviour")
        }
    )
    return keys


class KnownPrograms:
    """The programs of a stage that already went to training, and those that samples writing now have claimed:
    a sample whose valid program is one of them, or gives the same reward on every state of the check, is told
    so and asked for another. The Coder calls ``claim`` (agents/coder/draft.py: ``Programs``)."""

    def __init__(
        self,
        trained: dict[str, tuple[str, float | None]],
        claims: dict[str, str],
        candidate: str,
        copy_ends_sample: bool = False,
    ):
        self.trained, self.claims, self.candidate = trained, claims, candidate
        self.copy_ends_sample = copy_ends_sample  # ``search: tuned`` spends the slot on tuning instead
        self.refusals: dict[str, str] = {}  # each refusal this sample got -> the candidate it names
        self.behaviour: str | None = None  # the behaviour digest of the program this sample claimed

    def claim(self, code: str, behaviour: str | None = None) -> str | None:
        """None if ``code`` is new (it is claimed for this candidate),
        else the error that says whose it is."""
        keys = {program_digest(code): "the same program up to comments, docstrings and formatting"}
        if behaviour:
            keys[behaviour_key(behaviour)] = (
                f"its reward equals that program's on all {CHECKED_STATES} states the check ran"
            )
        for key, same in keys.items():
            if key in self.trained:
                owner, fitness = self.trained[key]
                return self._refuse(owner, f"fitness {fmt(fitness)}", same)
            if self.claims.get(key, self.candidate) != self.candidate:
                return self._refuse(self.claims[key], "training now", same)
        for key in keys:
            self.claims[key] = self.candidate
        self.behaviour = behaviour
        return None

    def _refuse(self, owner: str, known: str, same: str) -> str:
        refusal = REFUSAL.format(owner=owner, known=known, same=same)
        self.refusals[refusal] = owner
        return refusal

    def repeated(self, error: str | None) -> str | None:
        """The candidate a sample's program repeats, when ``error`` is that refusal (not another failure)."""
        return self.refusals.get(error or "")
