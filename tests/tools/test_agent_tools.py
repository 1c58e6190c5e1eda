"""The agents' read-only tools over plain records (candidates, stage summaries, the registry)."""

import json

from tests.helpers import candidate
from tools.coder_tools import unfenced
from tools.critic_tools import SERIES_POINTS, critic_tools, thinned
from tools.curriculum_tools import curriculum_tools


def trained(sample: int, epochs: int) -> dict:
    result = {"fitness": [float(e) for e in range(epochs)], "components": {"upright": [0.5] * epochs},
              "episode_length": [100.0] * epochs}  # fmt: skip
    return {**candidate(sample, "trained", 3.0), "result": result, "code": f"# program {sample}"}


def test_long_curves_are_thinned_to_evenly_spaced_epochs_with_the_last():
    series = thinned([float(e) for e in range(1000)])
    assert len(series["epochs"]) <= SERIES_POINTS + 1 and series["epochs"][0] == 0 and series["epochs"][-1] == 999
    assert series["values"] == [float(e) for e in series["epochs"]]
    assert thinned([1.0, None]) == {"epochs": [0, 1], "values": [1.0, None]}


def test_critic_tools_read_curves_code_and_outcomes():
    stats, code, compare = critic_tools([trained(0, 500), {**candidate(1, "invalid", None), "error": "a\nNameError: x"}])
    curves = json.loads(stats.invoke({"candidate_id": "it0-s0", "names": ["task_score"]}))
    assert list(curves) == ["task_score"] and curves["task_score"]["values"][-1] == 499.0
    assert "unknown series ['speed']" in stats.invoke({"candidate_id": "it0-s0", "names": ["speed"]})
    assert code.invoke({"candidate_id": "it0-s0"}) == "# program 0"
    rows = json.loads(compare.invoke({"candidate_ids": ["it0-s0", "it0-s1"]}))
    assert rows[0]["fitness_clean"] == 3.0 and rows[0]["final_components"] == {"upright": 0.5}
    assert rows[1]["status"] == "invalid" and rows[1]["error"] == "NameError: x"


def test_curriculum_tools_list_compatible_tasks_and_finished_stages():
    list_tasks, stage_summary = curriculum_tools([{"stage": 1, "task": "ShadowHand", "best_code": "x" * 10}])
    tasks = json.loads(list_tasks.invoke({}))
    assert tasks["ShadowHandSpin"]["shares_spaces_with"] == ["ShadowHand", "ShadowHandBlock"]
    assert json.loads(stage_summary.invoke({"stage": 1})) == {"stage": 1, "task": "ShadowHand"}
    assert "stage 2 has not finished; stages 1 to 1 have finished" in stage_summary.invoke({"stage": 2})


def test_a_fenced_tool_argument_is_unwrapped():
    assert unfenced("```python\ndef f():\n    pass\n```") == "def f():\n    pass\n"
    assert unfenced("def f():\n    pass") == "def f():\n    pass\n"
