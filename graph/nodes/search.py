"""The search's rules (``search: robust``): no program trained twice, the best candidates of each iteration
trained with more seeds, and candidates ranked by their clean fitness over all their seeds.

``search: eureka`` is the paper's: one training per candidate, on one seed, ranked by that one figure, and
no deduplication. Every candidate's trainings are in its ``seeds`` either way (summary.json).
"""

from __future__ import annotations

import math
import statistics

import structlog
from langgraph.runtime import Runtime
from langgraph.types import Send

from agents.coder.draft import behaviour_key
from graph.context import RunContext
from graph.results.progress import progress_logger
from graph.state import Candidate, SeedRequest, StageState
from tools.jobs import TrainJob, TrainResult, clean_fitness

log = structlog.get_logger("graph")


def seed_entry(seed: int, result: TrainResult) -> dict:
    """One training of a candidate's program, as summary.json records it (a stopped one with the rung that
    stopped it, and its clean fitness there)."""
    entry = {"seed": seed, "fitness": clean_fitness(result), "env_steps": result.get("env_steps", 0),
             "train_s": round(result.get("wall_s", 0.0), 2), "status": result["status"]}  # fmt: skip
    if result["status"] == "stopped_early":
        entry.update(fitness=result["rung"]["fitness"], rung=result["rung"])
    return entry


def trained_programs(candidates: list[Candidate]) -> dict[str, tuple[str, float | None]]:
    """The stage's programs that went to training, by normal-form digest, and those that trained by behaviour
    digest too: {digest: (candidate, fitness)}. A failed or stopped program blocks only its own normal form (a
    different program that agrees with it on the check's states may still train, and tell the two apart)."""
    went = [c for c in candidates if c.get("program") and c["status"] in ("trained", "failed", "stopped_early")]
    keys = {c["program"]: (c["id"], c["fitness"]) for c in went}
    keys.update({behaviour_key(c["behaviour"]): (c["id"], c["fitness"]) for c in went
                 if c["status"] == "trained" and c.get("behaviour")})  # fmt: skip
    return keys


def mean_less_sem(figures: list[float]) -> float:
    """The mean less one standard error: a seed far above the others raises the mean and the spread alike."""
    if len(figures) < 2:
        return figures[0]
    return statistics.fmean(figures) - statistics.stdev(figures) / math.sqrt(len(figures))


#: A candidate's figure over its seeds (``rank_by``). Replaying the search on the benchmark programs' figures over
#: 8 seeds (bench/selection_rule.py), the median chose rewards with a higher held-out mean than the mean did, and
#: overstated them less: the mean let one lucky seed of three choose (a BallBalance training ends near 50 or 500).
SEED_FIGURES = {"median": statistics.median, "mean": statistics.fmean, "mean-sem": mean_less_sem}


def with_seeds(candidates: list[Candidate], seed_runs: list[dict], rank_by: str | None = None) -> list[Candidate]:
    """The candidates with every training of their program in ``seeds``; a candidate trained with more seeds
    is ranked by its ``rank_by`` figure over the seeds that trained (None: the mean, as runs before it had)."""
    extra: dict[str, list[dict]] = {}
    for run in seed_runs:
        extra.setdefault(run["candidate"], []).append({k: v for k, v in run.items() if k != "candidate"})
    scored = []
    for c in candidates:
        seeds = [*(c.get("seeds") or []), *sorted(extra.get(c["id"], []), key=lambda r: r["seed"])]
        known = [s["fitness"] for s in seeds if s["status"] == "trained" and s["fitness"] is not None]
        fitness = SEED_FIGURES[rank_by or "mean"](known) if len(seeds) > 1 and known else c["fitness"]
        scored.append({**c, "seeds": seeds, "fitness": fitness})
    return scored


def fan_out_seeds(state: StageState, runtime: Runtime[RunContext]) -> list[Send] | str:
    """Under ``search: robust``, more seeds for the iteration's best trained candidates; else on to reflect."""
    s, stage, it = runtime.context.settings, state["stage"], state["iteration"]
    if s.search != "robust" or s.extra_seeds < 1:
        return "reflect"
    trained = sorted((c for c in state["candidates"] if c["iteration"] == it and c["status"] == "trained"
                      and c["fitness"] is not None), key=lambda c: -c["fitness"])[: s.seed_top_k]  # fmt: skip
    sends = [Send("seed", SeedRequest(stage=stage, candidate=c["id"], seed=s.seed + 1 + j, code=c["code"]))
             for c in trained for j in range(s.extra_seeds)]  # fmt: skip
    return sends or "reflect"


async def seed(request: SeedRequest, runtime: Runtime[RunContext]) -> dict:
    """Train a candidate's program with one more seed (from the stage's starting policy), clean-evaluated."""
    ctx, stage, cid = runtime.context, request["stage"], request["candidate"]
    out_dir = ctx.run.seed_training(stage["name"], cid, request["seed"])
    job = TrainJob(task=stage["task"], reward_source=request["code"], reward_name=cid, seed=request["seed"],
                   out_dir=str(out_dir), ppo=stage["ppo"], checkpoint=stage["init_checkpoint"], sim=ctx.settings.sim)  # fmt: skip
    name = f"{cid}-seed{request['seed']}"
    result = await ctx.pool.run(job, on_progress=progress_logger(ctx.board, name, "seed.progress", candidate=cid,
                                                                 seed=request["seed"]))  # fmt: skip
    ctx.board.evaluated(name)
    log.info("seed.done", candidate=cid, seed=request["seed"], status=result["status"], fitness=clean_fitness(result))
    return {"seed_runs": [{"candidate": cid, **seed_entry(request["seed"], result)}]}
