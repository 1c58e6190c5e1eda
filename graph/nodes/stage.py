"""The nodes of one stage's Eureka loop: sample and train candidates, reflect, evaluate the best."""

from __future__ import annotations

import structlog
from langgraph.runtime import Runtime
from langgraph.types import Send

from agents.coder.prompt import initial_messages, prior_reward_messages, program_message
from agents.feedback import error_feedback
from agents.llm.gateway import UNAVAILABLE, LLMCallError
from agents.untrusted import candidate_block
from graph.context import RunContext, spent_budget
from graph.results.progress import print_iteration
from graph.results.run_dir import candidate_id
from graph.results.summary import compute
from graph.search.novelty import trained_programs
from graph.search.ranking import rank_key, scored, seed_entry, stage_policy
from graph.search.tuning import tuning_note
from graph.state import Candidate, CandidateRequest, Elite, EvalRequest, StageRecord, StageState
from prompts import render
from sim.registry import backend_task, task_config
from sim.reward.normal_form import program_digest
from tools.jobs import clean_fitness
from tools.text import error_headline

log = structlog.get_logger("graph")
EVAL_SEED_OFFSET = 1000


async def start(state: StageState, runtime: Runtime[RunContext]) -> dict:
    """Build the Coder's first prompt from the task context and the stage before's best reward."""
    stage, profile = state["stage"], runtime.context.settings.prompt_profile
    task = backend_task(
        stage["task"], runtime.context.settings.sim
    )  # the state the training backend provides
    messages = initial_messages(task, task_config(stage["task"])["description"], profile)
    elite, prior = None, stage["prior_reward"]
    if prior:
        messages += prior_reward_messages(prior, profile)
        elite = Elite(
            candidate=None,
            code=prior["code"],
            feedback=messages[-1]["content"],
            reason=f"the best reward of the stage before ({prior['task']})",
        )
    log.info(
        "stage.start",
        stage=stage["name"],
        iterations=stage["iterations"],
        samples=stage["samples"],
        max_epochs=stage["ppo"]["max_epochs"],
        init_checkpoint=stage["init_checkpoint"],
    )
    runtime.context.board.at_iteration(stage, 0)
    return {
        "iteration": 0,
        "messages": messages,
        "best": None,
        "elite": elite,
        "edits": [],
        "stopped": False,
        "curriculum_notes": [],
    }


def fan_out_candidates(state: StageState) -> list[Send]:
    """The iteration's K samples for the Coder, then the programs the user pasted (/edit); in the first
    iteration of a run started from the human reward (``--init-reward human``), that reward too, so the search
    never returns one its own selection ranks below it."""
    stage, it, prior = state["stage"], state["iteration"], state["stage"]["prior_reward"]
    codes = [(None, "coder")] * stage["samples"] + [(code, "user") for code in state.get("edits") or []]
    if it == 0 and prior and prior.get("origin") == "human":
        codes.append((prior["code"], "human"))
    known = trained_programs(state.get("candidates") or [])
    return [
        Send(
            "candidate",
            CandidateRequest(
                stage=stage,
                iteration=it,
                sample=k,
                messages=state["messages"],
                code=code,
                known=known,
                author=author,
            ),
        )
        for k, (code, author) in enumerate(codes)
    ]


async def candidate(request: CandidateRequest, runtime: Runtime[RunContext]) -> dict:
    """Write one reward program, validate it, and train it as soon as it is valid."""
    ctx, s, stage = runtime.context, runtime.context.settings, request["stage"]
    cid = candidate_id(request["iteration"], request["sample"])
    ctx.gate.begin_writing()
    pasted = request.get("code") is not None
    # A program the user pasted is trained whatever was tried before.
    known = {digest: tuple(owner) for digest, owner in (request.get("known") or {}).items()}
    programs = None if pasted else ctx.search.programs(stage, known, cid)
    try:
        draft = await ctx.coder.write(
            request["messages"],
            backend_task(stage["task"], s.sim),
            f"{stage['name']}/{cid}",
            ctx.run.candidate(stage["name"], cid),
            code=request.get("code"),
            programs=programs,
        )
    finally:
        await ctx.gate.end_writing()
    record = Candidate(
        id=cid,
        iteration=request["iteration"],
        sample=request["sample"],
        status={"llm_failed": "llm_failed"}.get(
            draft.status, "duplicate" if draft.duplicate_of else "invalid"
        ),
        fitness=None,
        train_fitness=None,
        overstated=False,
        error=draft.error,
        reward_path=draft.reward_path,
        code=draft.code,
        response=draft.response,
        attempts=draft.attempts,
        checkpoint=None,
        result=None,
        llm_error=draft.llm_error,
        tool_calls=draft.tool_calls,
        author=request.get("author", "user" if pasted else "coder"),
        duplicate_of=draft.duplicate_of,
        program=program_digest(draft.code) if draft.status == "valid" else None,
        seeds=[],
        behaviour=programs.behaviour if programs and draft.status == "valid" else None,
    )
    if draft.status == "valid":
        await ctx.gate.wait_to_train()
        log.info("train.start", candidate=cid)
        result = await ctx.trainer.train(
            stage,
            draft.code,
            name=cid,
            seed=s.seed,
            out_dir=ctx.run.training(stage["name"], cid),
            event="train.progress",
            rungs=ctx.search.rungs(stage),
            judge=ctx.search.judge(stage, cid),
            candidate=cid,
        )
        record.update(
            status=result["status"],
            fitness=clean_fitness(result),
            train_fitness=result["fitness_max"],
            overstated=bool(result.get("evaluation", {}).get("overstated")),
            error=result["error"],
            checkpoint=result["checkpoint"],
            result={k: v for k, v in result.items() if k != "error"},
            seeds=[seed_entry(s.seed, result)],
        )
        if result["status"] == "stopped_early":
            log.info("train.stopped_early", candidate=cid, **result["rung"])
        if record["overstated"]:
            log.warning(
                "train.overstated",
                candidate=cid,
                train_fitness=record["train_fitness"],
                fitness=record["fitness"],
            )
        log.info(
            "train.done",
            candidate=cid,
            status=result["status"],
            fitness=record["fitness"],
            train_fitness=result["fitness_max"],
            wall_s=round(result["wall_s"], 1),
        )
    ctx.board.done(record)
    return {"candidates": [record]}


async def reflect(state: StageState, runtime: Runtime[RunContext]) -> dict:
    """Choose the elite, write its reflection, and set the Coder's context for the next iteration.

    The elite is a trained candidate of this iteration (or, in tools mode, the one before if the
    Critic keeps it). When none trained, the elite stays and this iteration's errors join its
    reflection. The stage's ``best`` (what the final evaluation retrains) is always the best clean fitness.
    """
    ctx, s, stage = runtime.context, runtime.context.settings, state["stage"]
    it, elite, note = state["iteration"], state.get("elite"), None
    figures = scored(state["candidates"], stage.get("rank_by"))
    ranked = sorted((c for c in figures if c["iteration"] == it), key=rank_key)
    best = ranked[0]
    if best["status"] == "trained":
        elite = await elect({**state, "candidates": figures}, ranked, runtime.context)
        program, feedback = elite["code"], elite["feedback"]
        chosen = next((c for c in figures if c["id"] == elite["candidate"]), {})
        if chosen.get("tuned_from") or chosen.get("recombined_from"):  # the Coder hears what the numbers did
            feedback = feedback.rstrip() + "\n\n" + tuning_note(chosen, figures)
    elif best["status"] != "llm_failed":
        if elite:  # keep building on the elite; the failed programs' errors are feedback
            program = elite["code"]
            feedback = (
                elite["feedback"].rstrip()
                + "\n\n"
                + render("no_candidate_trained", s.prompt_profile, errors=failed_programs(ranked))
            )
            holder = elite["candidate"] or "the stage before's reward"
            note = f"no candidate trained; the elite stays {holder}"
        else:
            program, feedback = (
                best["code"],
                error_feedback(
                    best["error"] or "unknown error", s.prompt_profile, backend_task(stage["task"], s.sim)
                ),
            )
    else:  # every sample failed on the LLM: nothing to reflect on, the conversation stays as it was
        feedback, note = "", f"every sample failed on the LLM: {best['error']}"
        log.warning("iteration.llm_failed", stage=stage["name"], iteration=it, error=best["error"][:300])
    messages = state["messages"]
    if feedback:
        messages = messages[:2] + [program_message(program), {"role": "user", "content": feedback}]
    overall = state.get("best")
    if best["status"] == "trained" and (overall is None or rank_key(best) < rank_key(overall)):
        overall = best
    record = {
        "iteration": it,
        "best_sample": best["sample"] if best["status"] == "trained" else None,
        "reflection": feedback,
        "note": note,
        "elite": elite and elite["candidate"],
        "elite_reason": elite and elite["reason"],
    }
    log.info(
        "iteration.done",
        stage=stage["name"],
        iteration=it,
        best_sample=record["best_sample"],
        fitness=best["fitness"],
        trained=sum(c["status"] == "trained" for c in ranked),
        of=len(ranked),
        elite=record["elite"],
    )
    update = {
        "iteration": it + 1,
        "messages": messages,
        "candidates": figures,  # every record with the figure it is ranked by, for the summary and the report
        "iterations": [record],
        "best": overall,
        "elite": elite,
    }
    print_iteration(stage["name"], it, ranked, ctx.gateway.usage())
    ctx.board.at_iteration(stage, it + 1)
    ctx.board.compute = compute(figures, [], state.get("tuning_runs") or [])
    running = {**state, **update, "iterations": state.get("iterations", []) + [record]}
    ctx.write_summary(state["stages"], running, "running")
    return update


async def elect(state: StageState, ranked: list[Candidate], ctx: RunContext) -> Elite:
    """The Critic's elite among this iteration's trained candidates
    (and the elite before), with its reflection."""
    stage, previous = state["stage"], state.get("elite")
    election = await ctx.critic.elect(
        description=task_config(stage["task"])["description"],
        candidates=state["candidates"],
        ranked=ranked,
        previous=previous and previous["candidate"],
        iteration=state["iteration"],
        stage=stage["name"],
    )
    return Elite(
        candidate=election.candidate,
        code=next(c["code"] for c in state["candidates"] if c["id"] == election.candidate),
        feedback=election.feedback,
        reason=election.reason,
    )


def failed_programs(ranked: list[Candidate]) -> str:
    """One line per program of the iteration that did not train, its id and its error's last line, in a
    candidate block (the errors are the programs' text)."""
    failed = [c for c in ranked if c["status"] in ("invalid", "duplicate", "failed", "stopped_early")]
    lines = "\n".join(
        f"- {c['id']} ({c['status']}): {error_headline(c['error']) or 'no error'}" for c in failed
    )
    return candidate_block(lines, "the errors of the programs that did not train, as reported")


def lost_to_outage(state: StageState) -> bool:
    """Whether every sample of the iteration just reflected on failed because the LLM was unavailable."""
    last = [c for c in state["candidates"] if c["iteration"] == state["iteration"] - 1]
    return bool(last) and all(c["status"] == "llm_failed" and c["llm_error"] == UNAVAILABLE for c in last)


def stop_mark(stage: dict, best: Candidate | None) -> float | None:
    """The fitness at which the stage samples no more: its ``success_to_advance``, or its task's
    ``fitness_max`` (the metric's ceiling, where no program can rank above the best) once the best's figure
    rests on two seeds or more (one training at the ceiling can be luck); the lower of those that apply, None
    when none does."""
    ceiling = task_config(stage["task"]).get("fitness_max")
    if best is None or len(best.get("seeds") or []) < 2:
        ceiling = None
    return min((m for m in (stage["success_to_advance"], ceiling) if m is not None), default=None)


def after_steer(state: StageState, runtime: Runtime[RunContext]) -> list[Send] | str:
    """The next iteration, a wait for the LLM, the final evaluation, or the end of the stage
    (nothing trained)."""
    stage, best = state["stage"], state.get("best")
    threshold = stop_mark(stage, best)
    reached = (
        best is not None
        and threshold is not None
        and best["fitness"] is not None
        and best["fitness"] >= threshold
    )
    spent = spent_budget(runtime.context)
    if spent:
        log.info("budget.spent", stage=stage["name"], iteration=state["iteration"], reason=spent)
    if state["iteration"] < stage["iterations"] and not state.get("stopped") and not spent:
        if lost_to_outage(state):
            return "await_llm"
        if not reached:
            return fan_out_candidates(state)
        log.info(
            "stage.success_reached",
            stage=stage["name"],
            fitness=best["fitness"],
            success_to_advance=stage["success_to_advance"],
            fitness_max=task_config(stage["task"]).get("fitness_max"),
        )
    runtime.context.board.clock.at_evaluation()
    if best is None:
        return "close_stage"
    seed = runtime.context.settings.seed + EVAL_SEED_OFFSET
    return [
        Send("evaluate", EvalRequest(stage=stage, seed=seed + i, code=best["code"]))
        for i in range(stage["eval_seeds"])
    ]


async def await_llm(state: StageState, runtime: Runtime[RunContext]) -> dict:
    """After an iteration lost to an unavailable LLM: go on once it answers, else stop the run (resumable).

    Raising leaves this node pending in the checkpoint, so ``--resume`` asks again and, once the
    server is back, continues with the next iteration.
    """
    if not await runtime.context.gateway.reachable("coder"):
        raise LLMCallError(
            "the coder's LLM is unavailable (every sample of the last iteration failed on it, "
            "and it does not answer now)",
            UNAVAILABLE,
        )
    log.info("llm.back", stage=state["stage"]["name"], iteration=state["iteration"])
    return {}


async def evaluate(request: EvalRequest, runtime: Runtime[RunContext]) -> dict:
    """Final evaluation: retrain the best reward with one more seed (from the stage's starting policy)."""
    ctx, stage = runtime.context, request["stage"]
    name = f"{stage['name']}/eval-seed{request['seed']}"
    result = await ctx.trainer.train(
        stage,
        request["code"],
        name=name,
        seed=request["seed"],
        out_dir=ctx.run.evaluation(stage["name"], request["seed"]),
        event="eval.progress",
    )
    ctx.board.evaluated(name)
    log.info(
        "eval.done",
        stage=stage["name"],
        seed=request["seed"],
        status=result["status"],
        fitness=clean_fitness(result),
        train_fitness=result["fitness_max"],
    )
    return {
        "eval_runs": [
            {
                **seed_entry(request["seed"], result),
                "train_fitness": result["fitness_max"],
                "error": result["error"],
                "checkpoint": result["checkpoint"],
            }
        ]
    }


async def close_stage(state: StageState) -> dict:
    """Hand the stage's outcome up: its candidates, best reward, best policy and its fitness."""
    best, eval_runs = state.get("best"), sorted(state.get("eval_runs", []), key=lambda r: r["seed"])
    checkpoint, fitness = stage_policy(best, eval_runs)
    record = StageRecord(
        spec=state["stage"],
        candidates=state.get("candidates", []),
        iterations=state.get("iterations", []),
        best=best,
        eval_runs=eval_runs,
        tuning_runs=state.get("tuning_runs", []),
        checkpoint=checkpoint,
        fitness=fitness,
        decision=None,
        stopped=state.get("stopped", False),
        curriculum_notes=state.get("curriculum_notes", []),
        steering=state.get("steering", []),
    )
    log.info("stage.done", stage=state["stage"]["name"], fitness=fitness, checkpoint=checkpoint)
    return {"stage_result": record}
