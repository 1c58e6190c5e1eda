"""The tuning node (``search: tuned``): the constants of the iteration's best program tuned by an optimiser
(``graph/search/tuning.py``), every trial a training on the parent's seed, clean-evaluated. The winner joins the
iteration's candidates as a program of its own (``tuned_from`` its parent) before the extra seeds are handed
out, so it is selected over seeds like any other."""

from __future__ import annotations

import structlog
from langgraph.runtime import Runtime

from graph.context import RunContext
from graph.results.run_dir import candidate_id
from graph.search.ranking import seed_entry
from graph.search.tuning import tune as run_study
from graph.state import Candidate, StageState
from sim.reward.normal_form import program_digest
from tools.jobs import clean_fitness

log = structlog.get_logger("graph")


async def tune(state: StageState, runtime: Runtime[RunContext]) -> dict:
    """Tune the iteration's best program's constants; the winner, if it beat its parent, is a new candidate."""
    ctx, s, stage, it = runtime.context, runtime.context.settings, state["stage"], state["iteration"]
    plan = ctx.search.tuning_plan(state["candidates"], it)
    if plan is None:
        return {}
    parent, trials = plan
    shared = parent["seeds"][0]  # the parent's first training: the seed every trial shares

    async def objective(code: str, trial: int) -> tuple[float | None, dict]:
        name = f"{parent['id']}-trial{trial}"
        result = await ctx.trainer.train(
            stage,
            code,
            name=name,
            seed=shared["seed"],
            out_dir=ctx.run.tuning_trial(stage["name"], parent["id"], trial),
            event="tune.progress",
            candidate=parent["id"],
            trial=trial,
        )
        ctx.board.evaluated(name)
        log.info(
            "tune.trial",
            candidate=parent["id"],
            trial=trial,
            status=result["status"],
            fitness=clean_fitness(result),
        )
        entry = {
            "parent": parent["id"],
            "trial": trial,
            **seed_entry(shared["seed"], result),
            "train_fitness": result["fitness_max"],
            "checkpoint": result["checkpoint"],
            "result": {k: v for k, v in result.items() if k != "error"},
        }
        return clean_fitness(result), entry

    study = await run_study(
        parent["code"],
        shared["fitness"],
        trials,
        objective,
        ctx.run.tuning_studies(stage["name"]),
        study_name=parent["id"],
        seed=s.seed,
    )
    log.info(
        "tune.done",
        candidate=parent["id"],
        trials=study.trials,
        parent_fitness=study.parent_fitness,
        fitness=study.fitness,
        moved=len(study.constants),
    )
    update: dict = {"tuning_runs": [{k: v for k, v in run.items() if k != "result"} for run in study.runs]}
    if study.code is not None:
        update["candidates"] = [tuned_candidate(state, parent, study, ctx)]
    return update


def tuned_candidate(state: StageState, parent: Candidate, study, ctx: RunContext) -> Candidate:
    """The study's winner as a candidate of the iteration (the next free sample number), trained on one seed."""
    stage, it = state["stage"], state["iteration"]
    sample = 1 + max(c["sample"] for c in state["candidates"] if c["iteration"] == it)
    cid = candidate_id(it, sample)
    path = ctx.run.rewards(stage["name"]) / f"{cid}_tuned.py"
    path.write_text(study.code)
    winner = study.winner
    seed = {k: winner[k] for k in ("seed", "fitness", "env_steps", "train_s", "status")}
    record = Candidate(
        id=cid,
        iteration=it,
        sample=sample,
        status="trained",
        fitness=winner["fitness"],
        train_fitness=winner["train_fitness"],
        overstated=False,
        error=None,
        reward_path=str(path),
        code=study.code,
        response="",
        attempts=0,
        checkpoint=winner["checkpoint"],
        result=winner["result"],
        llm_error=None,
        tool_calls=0,
        author="optimiser",
        program=program_digest(study.code),
        behaviour=None,
        duplicate_of=None,
        seeds=[seed],
        tuned_from=parent["id"],
        constants=study.constants,
        importance=study.importance,
    )
    ctx.board.done(record)
    return record
