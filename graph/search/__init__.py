"""The search: what is worth training and what is best, one class per ``search`` setting.

Nodes ask the run's search (``RunContext.search``) whether a sample's program is new (``programs``), where its
training is judged early (``rungs``, ``judge``), and which candidates get more seeds (``seed_plan``); the
ranking every search shares lives in ``graph/search/ranking.py``, which summary and report read too.

- ``eureka``: the paper's. Every valid program trains once, on one seed, to the full budget, and the best
  clean fitness wins.
- ``robust``: no program trained twice (``novelty.py``), rungs that stop hopeless trainings (``rungs.py``),
  the best ``seed_top_k`` of each iteration trained with ``extra_seeds`` more seeds and ranked over them
  (``rank_by``).
- ``tuned``: ``robust``, with the iteration's best program's constants tuned by an optimiser (``tuning.py``);
  the study's finalists get more seeds too.
"""

from __future__ import annotations

from graph.results.run_dir import RunDir
from graph.search.novelty import KnownPrograms
from graph.search.ranking import rank_key
from graph.search.rungs import RungBoard
from graph.settings import Settings
from graph.state import OPTIMISER, Candidate, StageSpec
from tools.rungs import Judge, rung_epochs


class EurekaSearch:
    """The paper's search: nothing refused, no rungs, no extra seeds."""

    name = "eureka"

    def __init__(self, settings: Settings, run: RunDir):
        self.settings, self.run = settings, run

    def programs(self, stage: StageSpec, known: dict, candidate: str) -> KnownPrograms | None:
        """What the Coder checks a valid program against before it trains, given the stage's ``known``
        programs (``novelty.trained_programs``); None: anything trains."""
        return None

    def rungs(self, stage: StageSpec) -> list[int]:
        """The epochs at which a training of ``stage`` is judged early."""
        return []

    def judge(self, stage: StageSpec, candidate: str) -> Judge | None:
        """The pool's judge for a candidate's training at the rungs (None: no rungs)."""
        return None

    def seed_plan(
        self, stage: StageSpec, candidates: list[Candidate], iteration: int
    ) -> list[tuple[Candidate, int]]:
        """The (candidate, seed) trainings the iteration's best get beyond their first (the stage's
        ``extra_seeds`` each)."""
        return []

    def recombination_plan(self, candidates: list[Candidate], iteration: int) -> list[Candidate] | None:
        """The trained candidates whose terms the iteration recombines (None: no recombination)."""
        return None

    def tuning_plan(self, candidates: list[Candidate], iteration: int) -> tuple[Candidate, int] | None:
        """The trained candidate whose constants the iteration tunes, and how many trials
        (None: no tuning)."""
        return None


class RobustSearch(EurekaSearch):
    """No program trained twice, rungs, and the iteration's best trained with more seeds."""

    name = "robust"

    def __init__(self, settings: Settings, run: RunDir):
        super().__init__(settings, run)
        self.claims: dict[str, dict[str, str]] = {}  # per stage: digest -> the candidate writing it now
        self.boards: dict[str, RungBoard] = {}  # per stage, read back from its file after a resume

    def programs(self, stage: StageSpec, known: dict, candidate: str) -> KnownPrograms:
        return KnownPrograms(known, self.claims.setdefault(stage["name"], {}), candidate)

    def rungs(self, stage: StageSpec) -> list[int]:
        return rung_epochs(stage.get("rungs") or [], stage["ppo"]["max_epochs"])

    def judge(self, stage: StageSpec, candidate: str) -> Judge | None:
        if not self.rungs(stage):
            return None
        if stage["name"] not in self.boards:
            self.boards[stage["name"]] = RungBoard(
                self.run.rung_board(stage["name"]), stage["rung_keep"], self.settings.rung_min_peers
            )
        return self.boards[stage["name"]].judge_for(candidate)

    def seed_plan(
        self, stage: StageSpec, candidates: list[Candidate], iteration: int
    ) -> list[tuple[Candidate, int]]:
        return self.more_seeds(stage, trained_in(candidates, iteration)[: self.settings.seed_top_k])

    def more_seeds(self, stage: StageSpec, chosen: list[Candidate]) -> list[tuple[Candidate, int]]:
        """The stage's ``extra_seeds`` seeds for each of ``chosen``."""
        # NotRequired: a run from before stages set it
        extra = stage.get("extra_seeds", self.settings.extra_seeds)
        return [(c, self.settings.seed + 1 + j) for c in chosen for j in range(extra)]


def trained_in(candidates: list[Candidate], iteration: int) -> list[Candidate]:
    """The iteration's trained candidates with a clean fitness, best first."""
    return sorted(
        (
            c
            for c in candidates
            if c["iteration"] == iteration and c["status"] == "trained" and c["fitness"] is not None
        ),
        key=lambda c: -c["fitness"],
    )


class TunedSearch(RobustSearch):
    """``robust``, and structure from the model, numbers from an optimiser (``tuning.py``): the iteration's
    best trained program has its constants tuned, ``tuning_trials`` trainings plus one for each copy a sample
    sent back (a copy ends its sample at once instead of asking the model again), and the study's finalists
    join the candidates before the extra seeds are handed out, so they are selected over seeds like every
    other."""

    name = "tuned"

    def programs(self, stage: StageSpec, known: dict, candidate: str) -> KnownPrograms:
        return KnownPrograms(
            known, self.claims.setdefault(stage["name"], {}), candidate, copy_ends_sample=True
        )

    def seed_plan(
        self, stage: StageSpec, candidates: list[Candidate], iteration: int
    ) -> list[tuple[Candidate, int]]:
        """The model's best ``seed_top_k`` of the iteration, and every finalist of its studies: a finalist
        stands out of many trials on one seed, so it is never chosen on that seed alone."""
        mine = [c for c in candidates if c["author"] != OPTIMISER]
        finalists = [c for c in trained_in(candidates, iteration) if c["author"] == OPTIMISER]
        return super().seed_plan(stage, mine, iteration) + self.more_seeds(stage, finalists)

    def tuning_plan(self, candidates: list[Candidate], iteration: int) -> tuple[Candidate, int] | None:
        now = [c for c in candidates if c["iteration"] == iteration]
        trained = sorted(
            (
                c
                for c in now
                if c["status"] == "trained" and c["fitness"] is not None and not c.get("tuned_from")
            ),
            key=rank_key,
        )
        if not trained or self.settings.tuning_trials < 1:
            return None
        return trained[0], self.settings.tuning_trials + sum(c["status"] == "duplicate" for c in now)

    def recombination_plan(self, candidates: list[Candidate], iteration: int) -> list[Candidate] | None:
        """The stage's two best trained programs of different lines (a tuned program is of its parent's
        line; neither recombined, each with its components) whose terms this iteration recombines; None once
        that pair has been recombined."""
        if self.settings.recombination_trials < 1:
            return None
        parents: list[Candidate] = []
        for c in sorted((c for c in candidates if c["status"] == "trained"), key=rank_key):
            line = {c["id"], c.get("tuned_from")} - {None}
            fresh = all(not line & {p["id"], p.get("tuned_from")} for p in parents)
            usable = not c.get("recombined_from") and (c.get("result") or {}).get("components") is not None
            if fresh and usable:
                parents.append(c)
        pair = [p["id"] for p in parents[:2]]
        if len(pair) < 2 or any(c.get("recombined_from") == pair for c in candidates):
            return None
        return parents[:2]


SEARCHES = {search.name: search for search in (EurekaSearch, RobustSearch, TunedSearch)}


def search_for(settings: Settings, run: RunDir) -> EurekaSearch:
    """The run's search, as its settings name it."""
    return SEARCHES[settings.search](settings, run)
