"""The tuning node (``search: tuned``), after the iteration's barrier: numbers from an optimiser
(``graph/search/tuning.py``). First the constants of the iteration's best program; then the weights of a
program recombined from the terms of the stage's two best programs (``sim/reward/recombine.py``). Each
study's trials are trainings on one shared seed, clean-evaluated. A study's finalists (its best trials) join
the iteration's candidates as programs of their own (``tuned_from`` their parent, or ``recombined_from`` their
parents) before the extra seeds are handed out, so they are selected over seeds like any other."""

from __future__ import annotations

import structlog
from langgraph.runtime import Runtime

from graph.context import RunContext, affordable_trainings, spent_budget
from graph.results.run_dir import candidate_id, trial_job
from graph.search.ranking import seed_entry
from graph.search.tuning import Finalist, Tuned
from graph.search.tuning import tune as run_study
from graph.state import OPTIMISER, Candidate, StageState
from sim.reward.normal_form import program_digest
from sim.reward.program import ENTRY_POINT, RewardProgramError
from sim.reward.recombine import Parent, RecombineError, recombine
from tools.job_dir import RECOMBINED_PROGRAM, TUNED_PROGRAM, program_file
from tools.jobs import clean_fitness

log = structlog.get_logger("graph")


async def tune(state: StageState, runtime: Runtime[RunContext]) -> dict:
    """Tune the iteration's best program's constants, then recombine the stage's two best programs; each
    study's finalists are new candidates."""
    ctx, it = runtime.context, state["iteration"]
    runs, found = [], []
    plan = ctx.search.tuning_plan(state["candidates"], it)
    if plan is not None and not spent_budget(ctx):
        parent, trials = plan
        shared = parent["seeds"][0]  # the parent's first training: the seed every trial shares
        study = await study_of(ctx, state, parent["code"], parent["id"], shared, trials)
        log.info(
            "tune.done",
            candidate=parent["id"],
            trials=study.trials,
            parent_fitness=study.parent_fitness,
            fitness=study.fitness,
            finalists=len(study.finalists),
        )
        runs += study.runs
        for finalist in study.finalists:
            found.append(winner(state, found, study, finalist, ctx, TUNED_PROGRAM, tuned_from=parent["id"]))
    parents = ctx.search.recombination_plan([*state["candidates"], *found], it)
    if parents and not spent_budget(ctx):
        study = await recombined(ctx, state, parents)
        if study is not None:
            runs += study.runs
            ids = [p["id"] for p in parents]
            for finalist in study.finalists:
                found.append(
                    winner(state, found, study, finalist, ctx, RECOMBINED_PROGRAM, recombined_from=ids)
                )
    return {"tuning_runs": [{k: v for k, v in r.items() if k != "result"} for r in runs], "candidates": found}


async def recombined(ctx: RunContext, state: StageState, parents: list[Candidate]) -> Tuned | None:
    """The study that sets the weights of the parents' terms, written out as one program (None if they
    cannot be one program); its trials share the best parent's first seed."""
    label = "+".join(p["id"] for p in parents)
    try:
        source = recombine([Parent(p["code"], tuple(p["result"]["components"])) for p in parents])
    except (RecombineError, RewardProgramError) as exc:
        log.warning("recombine.skipped", parents=label, reason=str(exc)[:300])
        return None
    trials = ctx.settings.recombination_trials
    study = await study_of(ctx, state, source, label, parents[0]["seeds"][0], trials, recombined=True)
    log.info("recombine.done", parents=label, trials=study.trials, fitness=study.fitness)
    return study


async def study_of(
    ctx: RunContext,
    state: StageState,
    source: str,
    label: str,
    shared: dict,
    trials: int,
    recombined: bool = False,
) -> Tuned:
    """``trials`` trainings of ``source`` with constants an optimiser sets, on the seed of ``shared`` (the
    training whose figure is the parent's, for a tuning; for a recombination, only the new entry's weights
    move and the first trial trains the program as written); its finalists beat ``shared``'s figure."""
    stage = state["stage"]

    async def objective(code: str, trial: int) -> tuple[float | None, dict]:
        out_dir, name = ctx.run.tuning_trial(stage["name"], label, trial), trial_job(label, trial)
        result = await ctx.trainer.train(
            stage,
            code,
            name=name,
            seed=shared["seed"],
            out_dir=out_dir,
            event="tune.progress",
            candidate=label,
            trial=trial,
        )
        ctx.board.evaluated(name)
        fitness = clean_fitness(result)
        log.info("tune.trial", candidate=label, trial=trial, status=result["status"], fitness=fitness)
        entry = {
            "parent": label,
            "trial": trial,
            **seed_entry(shared["seed"], result),
            "train_fitness": result["fitness_max"],
            "checkpoint": result["checkpoint"],
            "result": {k: v for k, v in result.items() if k != "error"},
        }
        return fitness, entry

    return await run_study(
        source,
        None if recombined else shared["fitness"],
        trials,
        objective,
        ctx.run.tuning_studies(stage["name"]),
        study_name=label,
        seed=ctx.settings.seed,
        affordable=lambda: affordable_trainings(ctx, stage),
        select=(lambda c: c.function == ENTRY_POINT) if recombined else (lambda c: True),
        sampler=ctx.settings.tuning_sampler,
        parallel=ctx.board.clock.slots,
        finalists=ctx.settings.tuning_finalists,
        bar=shared["fitness"],  # a finalist beats its (better) parent on the seed they share
    )


def winner(
    state: StageState,
    found: list[Candidate],
    study: Tuned,
    finalist: Finalist,
    ctx: RunContext,
    kind: str,
    **origin,
) -> Candidate:
    """One of the study's finalists as a candidate of the iteration (the next free sample number), trained on
    one seed; ``origin``: ``tuned_from`` or ``recombined_from``."""
    stage, it = state["stage"], state["iteration"]
    sample = 1 + max(c["sample"] for c in [*state["candidates"], *found] if c["iteration"] == it)
    cid = candidate_id(it, sample)
    path = program_file(ctx.run.candidate(stage["name"], cid), kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(finalist.code)
    best = finalist.entry
    record = Candidate(
        id=cid,
        iteration=it,
        sample=sample,
        status="trained",
        fitness=best["fitness"],
        train_fitness=best["train_fitness"],
        overstated=False,
        error=None,
        reward_path=str(path),
        code=finalist.code,
        response="",
        attempts=0,
        checkpoint=best["checkpoint"],
        result=best["result"],
        llm_error=None,
        tool_calls=0,
        author=OPTIMISER,
        program=program_digest(finalist.code),
        behaviour=None,
        duplicate_of=None,
        seeds=[{k: best[k] for k in ("seed", "fitness", "env_steps", "train_s", "status")}],
        tuned_from=origin.get("tuned_from"),
        recombined_from=origin.get("recombined_from"),
        constants=finalist.constants,
        importance=study.importance,
    )
    ctx.board.done(record)
    return record
