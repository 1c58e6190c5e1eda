from graph.summary import build_summary
from tests.helpers import candidate


def test_summary_has_the_documented_fields():
    state = {
        "candidates": [candidate(1, "trained", 3.0), candidate(0, "invalid", None), candidate(0, "trained", 4.0, 1)],
        "iterations": [{"iteration": 0, "best_sample": 1, "reflection": ""}],
        "best": candidate(0, "trained", 4.0, 1),
        "eval_runs": [{"seed": 2, "status": "trained", "fitness": 3.0, "error": None},
                      {"seed": 1, "status": "trained", "fitness": 5.0, "error": None}],
    }  # fmt: skip
    s = build_summary(
        state, "Cartpole", "completed", {"calls": 3, "prompt_tokens": 1, "completion_tokens": 2}
    )
    assert s["task"] == "Cartpole" and s["status"] == "completed"
    assert [it["iteration"] for it in s["iterations"]] == [0, 1]
    assert [x["sample"] for x in s["iterations"][0]["samples"]] == [0, 1]
    assert set(s["iterations"][0]["samples"][0]) == {"sample", "status", "fitness", "train_fitness", "overstated", "error", "reward_path"}
    assert s["iterations"][0]["best_sample"] == 1 and s["iterations"][1]["best_sample"] is None
    assert s["best"] == {
        "iteration": 1,
        "sample": 0,
        "fitness": 4.0,
        "train_fitness": 4.0,
        "reward_path": "r0.py",
        "checkpoint": None,
    }
    assert (
        s["final_eval"]["fitness"] == [5.0, 3.0]
        and s["final_eval"]["mean"] == 4.0
        and s["final_eval"]["std"] == 1.0
    )
    assert s["llm"]["calls"] == 3
