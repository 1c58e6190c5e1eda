"""The rung judge (``search: robust``): every candidate's clean fitness at each rung of one stage, and whether
a candidate stops there (tools/rungs.py has the rule's pool side)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from tools.files import write_json_atomic
from tools.jobs import finite_or_none
from tools.rungs import Judge, Verdict


class RungBoard:
    """Every candidate's clean fitness at each rung of one stage, in a JSON file that survives a resume."""

    def __init__(self, path: Path, keep: float, min_peers: int):
        if not 0 < keep <= 1 or min_peers < 2:
            raise ValueError(
                f"a rung keeps a fraction in (0, 1] (got {keep}) of at least 2 peers (got {min_peers})"
            )
        self.path, self.keep, self.min_peers = Path(path), keep, min_peers
        self.figures: dict[str, dict[str, float | None]] = (
            json.loads(self.path.read_text()) if self.path.is_file() else {}
        )

    def judge(self, epoch: int, who: str, fitness: float | None) -> Verdict:
        """Record ``who``'s figure at the rung and say whether it stops: it does when at least ``min_peers``
        candidates have reached the rung and as many as the rung keeps scored strictly higher."""
        fitness = finite_or_none(fitness)
        at_rung = self.figures.setdefault(str(epoch), {})
        at_rung[who] = fitness
        write_json_atomic(self.path, self.figures)
        mine = -math.inf if fitness is None else fitness
        better = sum(f is not None and f > mine for name, f in at_rung.items() if name != who)
        peers = len(at_rung)
        kept = max(1, math.ceil(self.keep * peers))
        return Verdict(
            stop=peers >= self.min_peers and better >= kept,
            epoch=epoch,
            fitness=fitness,
            peers=peers,
            better=better,
            kept=kept,
        )

    def judge_for(self, who: str) -> Judge:
        """The pool's judge for one candidate's training."""

        async def judge(epoch: int, fitness: float | None) -> Verdict:
            return self.judge(epoch, who, fitness)

        return judge
