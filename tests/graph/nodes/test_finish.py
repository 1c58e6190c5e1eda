"""The run's last node: the status it ends with, the summary and the report it writes."""

import json

from langgraph.runtime import Runtime

from graph.nodes.finish import report
from graph.nodes.stage_plan import stage_spec
from tests.helpers import candidate, run_context


def finished(ctx, candidates, best, decision) -> dict:
    spec = stage_spec(1, {"task": "Cartpole"}, ctx.settings)
    record = {
        "spec": spec,
        "candidates": candidates,
        "iterations": [],
        "best": best,
        "eval_runs": [],
        "checkpoint": None,
        "fitness": best and best["fitness"],
        "decision": decision,
        "stopped": False,
        "curriculum_notes": [],
        "steering": [],
    }
    return {"stages": [record]}


async def test_the_status_says_how_the_run_ended_and_the_report_is_written(tmp_path):
    ctx = run_context(tmp_path / "a")
    failed = candidate(0, "invalid", None)
    update = await report(
        finished(ctx, [failed], None, {"action": "stop", "reason": "-", "by": "config"}), Runtime(context=ctx)
    )
    summary = json.loads(ctx.run.summary.read_text())
    assert update == {"status": "no_trained_candidate"} and summary["status"] == "no_trained_candidate"
    assert (
        summary["reason"].startswith("no candidate trained; 1 samples: 1 invalid")
        and ctx.run.report_html.is_file()
    )
    ctx = run_context(tmp_path / "b")
    best = candidate(1, "trained", 480.0)
    by_user = {"action": "stop", "reason": "stopped by the user (/stop)", "by": "user"}
    assert await report(finished(ctx, [best], best, by_user), Runtime(context=ctx)) == {
        "status": "stopped_by_user"
    }
    done = {"action": "finish", "reason": "the last stage of the plan", "by": "config"}
    assert await report(finished(ctx, [best], best, done), Runtime(context=ctx)) == {"status": "completed"}
