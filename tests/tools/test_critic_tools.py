"""The Critic's read-only tools over plain candidate records."""

import json

from tests.helpers import candidate
from tools.critic_tools import SERIES_POINTS, critic_tools, thinned


def trained(sample: int, epochs: int) -> dict:
    result = {
        "fitness": [float(e) for e in range(epochs)],
        "components": {"upright": [0.5] * epochs},
        "episode_length": [100.0] * epochs,
    }
    return {**candidate(sample, "trained", 3.0), "result": result, "code": f"# program {sample}"}


def test_long_curves_are_thinned_to_evenly_spaced_epochs_with_the_last():
    series = thinned([float(e) for e in range(1000)])
    assert (
        len(series["epochs"]) <= SERIES_POINTS + 1
        and series["epochs"][0] == 0
        and series["epochs"][-1] == 999
    )
    assert series["values"] == [float(e) for e in series["epochs"]]
    assert thinned([1.0, None]) == {"epochs": [0, 1], "values": [1.0, None]}


def test_critic_tools_read_curves_code_and_outcomes():
    stats, code, compare = critic_tools(
        [trained(0, 500), {**candidate(1, "invalid", None), "error": "a\nNameError: x"}]
    )
    curves = json.loads(stats.invoke({"candidate_id": "it0-s0", "names": ["task_score"]}))
    assert list(curves) == ["task_score"] and curves["task_score"]["values"][-1] == 499.0
    assert "unknown series ['speed']" in stats.invoke({"candidate_id": "it0-s0", "names": ["speed"]})
    assert code.invoke({"candidate_id": "it0-s0"}) == "# program 0"
    rows = json.loads(compare.invoke({"candidate_ids": ["it0-s0", "it0-s1"]}))
    assert rows[0]["fitness_clean"] == 3.0 and rows[0]["final_components"] == {"upright": 0.5}
    assert rows[1]["status"] == "invalid" and rows[1]["error"] == "NameError: x"
