"""The run's last node: the final summary.json, and the report with a clip of the best policy."""

from __future__ import annotations

import structlog
from langgraph.runtime import Runtime

from graph.context import RunContext
from graph.results.report_writer import report_or_warn
from graph.results.summary import no_candidate_reason
from graph.state import RunState, StageRecord
from tools.clean_eval import job_of
from tools.clip import render_clip, renders

log = structlog.get_logger("graph")


async def report(state: RunState, runtime: Runtime[RunContext]) -> dict:
    """Write the final summary.json."""
    ctx = runtime.context
    last, reason = state["stages"][-1], None
    if last["best"] is None:
        status, reason = "no_trained_candidate", no_candidate_reason(last["candidates"])
    elif last["decision"]["by"] == "user":
        status = "stopped_by_user"
    elif last["decision"]["by"] == "budget":
        status, reason = "budget_spent", last["decision"]["reason"]
    else:
        status = "completed" if last["decision"]["action"] == "finish" else "stopped_by_curriculum"
    timing = ctx.board.clock.timing()
    summary = ctx.write_summary(state["stages"], None, status, reason, timing)
    await write_run_report(ctx, summary, last)
    best = summary["best"] and {k: v for k, v in summary["best"].items() if k != "code"}  # the report has it
    log.info("run.done", status=status, best=best, final_eval=summary["final_eval"], timing=timing)
    return {"status": status}


async def write_run_report(ctx: RunContext, summary: dict, last: StageRecord) -> None:
    """report.html and report.md, with a clip of the last stage's best policy when its backend can render."""
    video, seconds = None, ctx.settings.report_video_s
    if last["checkpoint"] and seconds > 0 and renders(last["spec"]["task"]):
        video, error = await render_clip(last["spec"]["task"], job_of(last["checkpoint"]), seconds)
        if error:
            log.warning("report.no_video", error=error)
    report_or_warn(ctx.run, summary, video)
