"""The extra-seed trainings: the candidates the run's search picks (``graph/search``: ``seed_plan``) trained
with one more seed each, from the stage's starting policy. Every candidate's trainings are in its ``seeds``
(summary.json)."""

from __future__ import annotations

from itertools import groupby

import structlog
from langgraph.runtime import Runtime
from langgraph.types import Send

from graph.context import RunContext, affordable_trainings
from graph.search.ranking import seed_entry
from graph.state import Candidate, MoreSeeds, SeedRequest, StageState
from tools.job_dir import seed_job
from tools.jobs import clean_fitness

log = structlog.get_logger("graph")


def fan_out_seeds(state: StageState, runtime: Runtime[RunContext]) -> list[Send] | str:
    """Under ``search: robust``, more seeds for the iteration's best trained candidates; else (or with a spent
    budget) on to reflect."""
    plan = runtime.context.search.seed_plan(state["stage"], state["candidates"], state["iteration"])
    plan = whole_candidates(plan, affordable_trainings(runtime.context, state["stage"]))
    sends = [
        Send("seed", SeedRequest(stage=state["stage"], candidate=c["id"], seed=seed, code=c["code"]))
        for c, seed in plan
    ]
    return sends or "reflect"


def whole_candidates(plan: list[tuple[Candidate, int]], room: int) -> list[tuple[Candidate, int]]:
    """The plan's first candidates whose seeds all fit in ``room`` trainings: a candidate given fewer seeds
    than its peers would be ranked by its seed count (graph/search/ranking.py: rank_key), not its figure."""
    kept: list[tuple[Candidate, int]] = []
    for _, group in groupby(plan, key=lambda pair: pair[0]["id"]):
        seeds = list(group)
        if len(kept) + len(seeds) > room:
            break
        kept += seeds
    return kept


async def seed(request: SeedRequest, runtime: Runtime[RunContext]) -> dict:
    """Train a candidate's program with one more seed (from the stage's starting policy), clean-evaluated."""
    ctx, stage, cid = runtime.context, request["stage"], request["candidate"]
    out_dir = ctx.run.seed_training(stage["name"], cid, request["seed"])
    name = seed_job(cid, request["seed"])
    result = await ctx.trainer.train(
        stage,
        request["code"],
        name=name,
        seed=request["seed"],
        out_dir=out_dir,
        event="seed.progress",
        candidate=cid,
    )
    ctx.board.evaluated(name)
    log.info(
        "seed.done",
        candidate=cid,
        seed=request["seed"],
        status=result["status"],
        fitness=clean_fitness(result),
    )
    return {"candidates": [MoreSeeds(id=cid, seeds=[seed_entry(request["seed"], result)])]}
