"""The Curriculum agent's read-only tools over the registry and plain stage summaries."""

import json

from tools.curriculum_tools import curriculum_tools


def test_curriculum_tools_list_compatible_tasks_and_finished_stages():
    list_tasks, stage_summary = curriculum_tools([{"stage": 1, "task": "ShadowHand", "best_code": "x" * 10}])
    tasks = json.loads(list_tasks.invoke({}))
    assert tasks["ShadowHandSpin"]["shares_spaces_with"] == ["ShadowHand", "ShadowHandBlock"]
    assert json.loads(stage_summary.invoke({"stage": 1})) == {"stage": 1, "task": "ShadowHand"}
    assert "stage 2 has not finished; stages 1 to 1 have finished" in stage_summary.invoke({"stage": 2})
