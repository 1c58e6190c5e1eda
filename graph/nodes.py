"""The graph's nodes: each reads state and the runtime context and returns a state update."""

from __future__ import annotations

import structlog
from langgraph.runtime import Runtime
from langgraph.types import Send

from agents import critic
from agents.coder import initial_messages, write_candidate
from graph.context import RunContext
from graph.state import Candidate, CandidateRequest, EvalRequest, RunState
from graph.summary import write_summary
from tools.jobs import TrainJob

log = structlog.get_logger("graph")
EVAL_SEED_OFFSET = 1000


async def start(state: RunState, runtime: Runtime[RunContext]) -> dict:
    """Build the Coder's first prompt from the task context."""
    ctx = runtime.context
    messages = initial_messages(ctx.task, ctx.description, ctx.settings.prompt_profile)
    log.info(
        "run.start", task=ctx.task.name, iterations=ctx.settings.iterations, samples=ctx.settings.samples
    )
    return {"iteration": 0, "messages": messages, "status": "running", "best": None}


def fan_out_candidates(state: RunState, runtime: Runtime[RunContext]) -> list[Send]:
    it = state["iteration"]
    return [
        Send("candidate", CandidateRequest(iteration=it, sample=k, messages=state["messages"]))
        for k in range(runtime.context.settings.samples)
    ]


async def candidate(request: CandidateRequest, runtime: Runtime[RunContext]) -> dict:
    """Write one reward program, validate it, and train it as soon as it is valid."""
    ctx, s = runtime.context, runtime.context.settings
    cid = f"it{request['iteration']}-s{request['sample']}"
    ctx.gate.begin_writing()
    try:
        draft = await write_candidate(
            ctx.gateway, request["messages"], ctx.task, cid, ctx.run_dir / "rewards",
            profile=s.prompt_profile, repair_attempts=s.repair_attempts, check_timeout_s=s.check_timeout_s,
        )  # fmt: skip
    finally:
        await ctx.gate.end_writing()
    record = Candidate(
        id=cid, iteration=request["iteration"], sample=request["sample"],
        status="failed" if draft.status == "failed" else "invalid", fitness=None,
        train_fitness=None, overstated=False,
        error=draft.error, reward_path=draft.reward_path, code=draft.code, response=draft.response,
        attempts=draft.attempts, checkpoint=None, result=None,
    )  # fmt: skip
    if draft.status == "valid":
        await ctx.gate.wait_to_train()
        log.info("train.start", candidate=cid)
        job = TrainJob(task=ctx.task.name, reward_source=draft.code, out_dir=str(ctx.run_dir / "train" / cid),
                       reward_name=cid, seed=s.seed, ppo=s.ppo_overrides())  # fmt: skip
        result = await ctx.pool.run(job, on_progress=progress_logger("train.progress", candidate=cid))
        record.update(
            status=result["status"], fitness=clean_fitness(result), train_fitness=result["fitness_max"],
            overstated=bool(result.get("evaluation", {}).get("overstated")), error=result["error"],
            checkpoint=result["checkpoint"], result={k: v for k, v in result.items() if k != "error"},
        )  # fmt: skip
        if record["overstated"]:
            log.warning("train.overstated", candidate=cid, train_fitness=record["train_fitness"],
                        fitness=record["fitness"])  # fmt: skip
        log.info("train.done", candidate=cid, status=result["status"], fitness=record["fitness"],
                 train_fitness=result["fitness_max"],
                 wall_s=round(result["wall_s"], 1))  # fmt: skip
    return {"candidates": [record]}


def clean_fitness(result: dict) -> float | None:
    """The fitness a clean process measured for a trained job's policy (None if it did not train)."""
    return (result.get("evaluation") or {}).get("fitness") if result["status"] == "trained" else None


def progress_logger(event: str, **fields):
    """Log training progress at every 10% of the epochs."""

    def log_progress(p: dict) -> None:
        step = max(p["max_epochs"] // 10, 1)
        if p["epoch"] % step == 0:
            log.info(event, epoch=f"{p['epoch']}/{p['max_epochs']}", fitness=p["fitness"], **fields)

    return log_progress


def rank_key(c: Candidate) -> tuple:
    """Best first: trained before failed, higher fitness, then the lower (stable) sample id."""
    fitness = c["fitness"] if c["fitness"] is not None else float("-inf")
    return (c["status"] != "trained", -fitness, c["sample"])


async def reflect(state: RunState, runtime: Runtime[RunContext]) -> dict:
    """Pick the iteration's best candidate, write its reflection, and extend the Coder's context."""
    ctx, s = runtime.context, runtime.context.settings
    it = state["iteration"]
    ranked = sorted((c for c in state["candidates"] if c["iteration"] == it), key=rank_key)
    best = ranked[0]
    if best["status"] == "trained":
        analysis = None
        if s.critic_llm:
            analysis = await critic.analyze(ctx.gateway, ctx.description, best["code"], best["result"],
                                            s.prompt_profile, key=f"{best['id']}/analysis")  # fmt: skip
        feedback = critic.reflection(best["result"], s.prompt_profile, analysis)
    else:
        feedback = critic.error_feedback(best["error"] or "unknown error", s.prompt_profile)
    messages = state["messages"][:2] + [
        {"role": "assistant", "content": best["response"]},
        {"role": "user", "content": feedback},
    ]
    if not best["response"]:  # every LLM call of the iteration failed: nothing to reflect on
        messages = state["messages"]
    overall = state.get("best")
    if best["status"] == "trained" and (overall is None or rank_key(best) < rank_key(overall)):
        overall = best
    record = {"iteration": it, "best_sample": best["sample"] if best["status"] == "trained" else None,
              "reflection": feedback}  # fmt: skip
    log.info("iteration.done", iteration=it, best_sample=record["best_sample"], fitness=best["fitness"],
             trained=sum(c["status"] == "trained" for c in ranked), of=len(ranked))  # fmt: skip
    update = {"iteration": it + 1, "messages": messages, "iterations": [record], "best": overall}
    write_summary(ctx.run_dir, {**state, **update, "iterations": state.get("iterations", []) + [record]},
                  ctx.task.name, "running", ctx.gateway.usage())  # fmt: skip
    return update


def after_reflect(state: RunState, runtime: Runtime[RunContext]) -> list[Send] | str:
    s = runtime.context.settings
    if state["iteration"] < s.iterations:
        return fan_out_candidates(state, runtime)
    if state.get("best") is None:
        return "report"
    return [
        Send("evaluate", EvalRequest(seed=s.seed + EVAL_SEED_OFFSET + i, code=state["best"]["code"]))
        for i in range(s.eval_seeds)
    ]


async def evaluate(request: EvalRequest, runtime: Runtime[RunContext]) -> dict:
    """Final evaluation: retrain the best reward with one more seed."""
    ctx, s = runtime.context, runtime.context.settings
    job = TrainJob(task=ctx.task.name, reward_source=request["code"], out_dir=str(ctx.run_dir / "eval" / f"seed{request['seed']}"),
                   reward_name="best", seed=request["seed"], ppo=s.ppo_overrides())  # fmt: skip
    result = await ctx.pool.run(job, on_progress=progress_logger("eval.progress", seed=request["seed"]))
    log.info("eval.done", seed=request["seed"], status=result["status"], fitness=clean_fitness(result),
             train_fitness=result["fitness_max"])  # fmt: skip
    return {"eval_runs": [{"seed": request["seed"], "status": result["status"],
                           "fitness": clean_fitness(result), "train_fitness": result["fitness_max"],
                           "error": result["error"]}]}  # fmt: skip


async def report(state: RunState, runtime: Runtime[RunContext]) -> dict:
    """Write the final summary.json."""
    ctx = runtime.context
    status = "completed" if state.get("best") else "no_trained_candidate"
    summary = write_summary(ctx.run_dir, state, ctx.task.name, status, ctx.gateway.usage())
    log.info("run.done", status=status, best=summary["best"], final_eval=summary["final_eval"])
    return {"status": status}
