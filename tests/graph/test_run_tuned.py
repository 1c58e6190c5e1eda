"""``search: tuned`` end to end: a program with the human Cartpole reward's structure and wrong scales, replayed as
the Coder's answer, has its constants tuned by real trainings; the winner joins the candidates, goes through the
selection over seeds, and summary.json says what moved."""

import json

import pytest

from graph.results.run_dir import RunDir
from graph.run import main
from tests.graph.test_run_search import coder_answers

#: The human Cartpole reward (sim/cartpole.py) with its speed penalties 400 and 20 times too strong and its
#: failure penalty 20 times (issue 38's goal case).
WRONG_SCALES = """import math


def compute_reward(cart_pos, cart_vel, pole_angle, pole_vel):
    upright = 1.0 - pole_angle * pole_angle
    cart_speed_penalty = -4.0 * torch.abs(cart_vel)
    pole_speed_penalty = -0.1 * torch.abs(pole_vel)
    failed = (torch.abs(cart_pos) > 3.0) | (torch.abs(pole_angle) > math.pi / 2)
    failure_penalty = torch.where(failed, -40.0, 0.0)
    total = upright + cart_speed_penalty + pole_speed_penalty + failure_penalty
    return total, {"upright": upright, "cart_speed_penalty": cart_speed_penalty}
"""


@pytest.mark.slow
def test_a_copy_is_spent_on_tuning_and_the_tuned_program_is_selected_over_seeds(tmp_path):
    transcript = coder_answers(tmp_path / "answers.jsonl", [WRONG_SCALES, WRONG_SCALES])
    run = tmp_path / "run"
    assert main(["--task", "Cartpole", "--search", "tuned", "--iterations", "1", "--samples", "2",
                 "--repair-attempts", "2", "--llm", f"replay:{transcript}", "--num-envs", "64", "--max-epochs", "6",
                 "--tuning-trials", "2", "--extra-seeds", "1", "--seed-top-k", "2", "--eval-seeds", "1",
                 "--rungs", "none", "--run-dir", str(run)]) == 0  # fmt: skip
    summary = json.loads(RunDir(run).summary.read_text())
    samples = {s["sample"]: s for s in summary["iterations"][0]["samples"]}
    copy = next(s for s in samples.values() if s["status"] == "duplicate")
    assert copy["attempts"] == 1  # a copy ends its sample at once: no second call to the model
    calls = (run / "llm_calls.jsonl").read_text().splitlines()
    assert len(calls) == 2
    tuned = next(s for s in samples.values() if s.get("tuned_from"))
    parent = samples[int(tuned["tuned_from"].split("-s")[1])]
    assert parent["status"] == "trained" and tuned["author"] == "optimiser"
    # 2 trials, one more for the copy; the winner beat its parent on their shared seed, with other numbers.
    assert summary["compute"]["tuning_trials"] == 3
    assert tuned["seeds"][0]["seed"] == parent["seeds"][0]["seed"]
    assert tuned["seeds"][0]["fitness"] > parent["seeds"][0]["fitness"]
    assert tuned["constants"] and all({"line", "original", "value"} <= set(c) for c in tuned["constants"])
    source = (run / "stage1-Cartpole" / "rewards" / f"it0-s{tuned['sample']}_tuned.py").read_text()
    assert all(f"{c['original']}" not in source.splitlines()[c["line"] - 1] for c in tuned["constants"])
    assert len(tuned["seeds"]) == 2 and len(parent["seeds"]) == 2  # both went through the selection over seeds
