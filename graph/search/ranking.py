"""What "best" means, computed once: a candidate's figure over its seeds, the order of an iteration's
candidates, the stage's best policy and the best of a stage's attempts.
Nodes, summary and report all read it here."""

from __future__ import annotations

import math
import statistics

from graph.state import Candidate
from tools.jobs import TrainResult, clean_fitness


def mean_less_sem(figures: list[float]) -> float:
    """The mean less one standard error: a seed far above the others raises the mean and the spread alike."""
    if len(figures) < 2:
        return figures[0]
    return statistics.fmean(figures) - statistics.stdev(figures) / math.sqrt(len(figures))


#: A candidate's figure over its seeds (``rank_by``). Replaying the search on the benchmark programs' figures
#: over 8 seeds (bench/selection_rule.py), the median chose rewards with a higher held-out mean than the mean
#: did, and overstated them less: the mean let one lucky seed of three choose
#: (a BallBalance training ends near 50 or 500).
SEED_FIGURES = {"median": statistics.median, "mean": statistics.fmean, "mean-sem": mean_less_sem}


def seed_entry(seed: int, result: TrainResult) -> dict:
    """One training of a candidate's program, as summary.json records it (a stopped one with the rung that
    stopped it, and its clean fitness there)."""
    entry = {
        "seed": seed,
        "fitness": clean_fitness(result),
        "env_steps": result.get("env_steps", 0),
        "train_s": round(result.get("wall_s", 0.0), 2),
        "status": result["status"],
    }
    if result["status"] == "stopped_early":
        entry.update(fitness=result["rung"]["fitness"], rung=result["rung"])
    return entry


def scored(candidates: list[Candidate], rank_by: str | None = None) -> list[Candidate]:
    """The candidates with their ``fitness`` as the search ranks it: a candidate trained on more seeds by its
    ``rank_by`` figure over the seeds that trained (None: the mean, as runs before it had), one trained once
    by that training's clean fitness. graph/nodes/stage.py: reflect writes it into the state each iteration;
    summary.json applies it to the records again (the same figures, and a run stopped before reflect too)."""
    figures = []
    for c in candidates:
        seeds = c.get("seeds") or []
        known = [s["fitness"] for s in seeds if s["status"] == "trained" and s["fitness"] is not None]
        fitness = SEED_FIGURES[rank_by or "mean"](known) if len(seeds) > 1 and known else c["fitness"]
        figures.append({**c, "fitness": fitness})
    return figures


def rank_key(c: Candidate) -> tuple:
    """Best first: trained, then programs that failed (their error is feedback), then LLM failures; among the
    trained, those measured on more seeds (a figure over several seeds beats one lucky seed), then higher
    fitness, then the lower (stable) sample id."""
    fitness = c["fitness"] if c["fitness"] is not None else float("-inf")
    seeds = sum(s["status"] == "trained" for s in c.get("seeds") or [])
    return (c["status"] != "trained", c["status"] == "llm_failed", -seeds, -fitness, c["sample"])


def stage_policy(best: Candidate | None, eval_runs: list[dict]) -> tuple[str | None, float | None]:
    """The stage's best policy: the best candidate's, or a final-evaluation run's that scored higher."""
    runs = ([best] if best else []) + eval_runs  # on a tie, the candidate's own policy
    policies = [(r["fitness"], r["checkpoint"]) for r in runs if r["fitness"] is not None and r["checkpoint"]]
    if not policies:
        return None, None
    fitness, checkpoint = max(policies, key=lambda p: p[0])
    return checkpoint, fitness


def best_attempt(attempts: list[dict]) -> dict:
    """Of a stage's attempts (records or summary entries), the one with the highest clean fitness; the latest
    on ties, an attempt without a fitness last."""
    return max(reversed(attempts), key=lambda a: (a["fitness"] is not None, a["fitness"] or 0.0))
