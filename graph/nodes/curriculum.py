"""The outer graph's curriculum nodes: plan the stages, and decide at each stage boundary
(the Curriculum agent)."""

from __future__ import annotations

import structlog
from langgraph.runtime import Runtime

from graph.context import RunContext, spent_budget
from graph.nodes.stage_plan import (
    best_of_stage,
    config_decision,
    configured_entries,
    following,
    options,
    repeated,
    stage_plan,
)
from graph.results.summary import stage_entry
from graph.state import PriorReward, RunState, StageRecord
from sim.registry import task_config
from sim.reward.program import ENTRY_POINT
from sim.rl.ppo_config import compatible_tasks
from tools.trainer import resolve_reward

log = structlog.get_logger("graph")


async def plan(state: RunState, runtime: Runtime[RunContext]) -> dict:
    """The stages: from the command line or the task's config, or proposed by the Curriculum agent."""
    ctx, s = runtime.context, runtime.context.settings
    if s.curriculum == "auto":
        compatible = {t: task_config(t)["description"] for t in compatible_tasks(s.task)}
        chain, reason, by = await ctx.curriculum.propose_chain(
            target=s.task, description=task_config(s.task)["description"], compatible=compatible, key="plan"
        )
        entries = [{"task": t} for t in chain]
    else:
        entries = configured_entries(s)
        reason = "--curriculum" if s.curriculum else f"configs/tasks/{s.task}.yaml"
        by = "config"
    specs = stage_plan(s, entries)
    if s.init_reward == "human":
        task = specs[0]["task"]
        code = resolve_reward(task, "human")[1].replace("def human_reward(", f"def {ENTRY_POINT}(", 1)
        specs[0] = {
            **specs[0],
            "prior_reward": PriorReward(task=task, code=code, fitness=None, origin="human"),
        }
    if s.init_checkpoint:
        specs[0]["init_checkpoint"] = str(ctx.run.init_checkpoint.resolve())
    elif specs[0]["number"] > 1:
        log.warning(
            "curriculum.from_scratch",
            stage=specs[0]["name"],
            hint="a later stage alone starts from scratch; --init-checkpoint starts it from a policy",
        )
    log.info("curriculum.plan", stages=[spec["name"] for spec in specs], reason=reason, by=by)
    ctx.board.clock.plan(specs)
    return {
        "stage": specs[0],
        "plan": specs[1:],
        "plan_reason": f"{reason} ({by})",
        "stages": [],
        "status": "running",
    }


async def decide(state: RunState, runtime: Runtime[RunContext]) -> dict:
    """The Curriculum agent's choice after a stage: advance, repeat, stop or finish, with its reason.

    A /stop from the user, or a spent ``budget_usd`` or ``budget_minutes``, ends the run; their @curriculum
    guidance goes into the agent's prompt, and the settings they changed (/samples, /iterations) hold for the
    stages that follow.
    """
    ctx = runtime.context
    record, remaining = state["stage_result"], state["plan"]
    if record["stopped"] or ctx.steering.stop_pending(state.get("steer_cursor", 0)):
        decision = {"action": "stop", "reason": "stopped by the user (/stop)", "by": "user"}
    elif spent := spent_budget(ctx):
        decision = {"action": "stop", "by": "budget", "reason": spent}
    else:
        decision = await agent_decision(state, ctx)
    log.info("curriculum.decision", stage=record["spec"]["name"], fitness=record["fitness"], **decision)
    stages = [*state["stages"], StageRecord(**{**record, "decision": decision})]
    update: dict = {"stages": stages}
    overrides = {k: v for k, v in (state.get("overrides") or {}).items() if k in ("samples", "iterations")}
    if decision["action"] == "repeat":
        update["stage"] = {**repeated(record), **overrides}
    elif decision["action"] == "advance":
        next_stage = following(remaining[0], best_of_stage(record["spec"], stages))
        update.update(stage={**next_stage, **overrides}, plan=remaining[1:])
    ctx.write_summary(stages, None, "running")
    return update


async def agent_decision(state: RunState, ctx: RunContext) -> dict:
    """The Curriculum agent's decision for the stage that just ended, told what the user said
    (@curriculum)."""
    s, record, remaining = ctx.settings, state["stage_result"], state["plan"]
    has_next = bool(remaining)
    default = config_decision(record, has_next)
    summaries = [
        {**stage_entry(r), "best_code": r["best"] and r["best"]["code"]} for r in [*state["stages"], record]
    ]
    specs = [r["spec"] for r in [*state["stages"], record]] + remaining
    by_number = {spec["number"]: spec["task"] for spec in specs}  # a repeated stage once
    decision = await ctx.curriculum.decide(
        target=s.task,
        plan=[by_number[n] for n in sorted(by_number)],
        stages=summaries,
        choices=options(record, has_next),
        default=default,
        key=f"{record['spec']['name']}/decision",
        guidance=record["curriculum_notes"],
    )
    if record["curriculum_notes"]:
        ctx.inbox.reply(
            f"{record['spec']['name']}/decision",
            f"decision after {record['spec']['name']}: "
            f"{decision['action']} ({decision['reason']}; by {decision['by']})",
            agent="curriculum",
        )
    return decision


def after_decide(state: RunState) -> str:
    return "stage" if state["stages"][-1]["decision"]["action"] in ("advance", "repeat") else "report"
