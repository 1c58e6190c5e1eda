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
    assert (
        main(
            [
                "--task",
                "Cartpole",
                "--search",
                "tuned",
                "--iterations",
                "1",
                "--samples",
                "2",
                "--repair-attempts",
                "2",
                "--llm",
                f"replay:{transcript}",
                "--num-envs",
                "64",
                "--max-epochs",
                "6",
                "--tuning-trials",
                "2",
                "--extra-seeds",
                "1",
                "--seed-top-k",
                "2",
                "--eval-seeds",
                "1",
                "--rungs",
                "none",
                "--run-dir",
                str(run),
            ]
        )
        == 0
    )
    summary = json.loads(RunDir(run).summary.read_text())
    samples = {s["sample"]: s for s in summary["iterations"][0]["samples"]}
    copy = next(s for s in samples.values() if s["status"] == "duplicate")
    assert copy["attempts"] == 1  # a copy ends its sample at once: no second call to the model
    calls = (run / "llm_calls.jsonl").read_text().splitlines()
    assert len(calls) == 2
    # 2 trials, one more for the copy, each a real training on the parent's seed with other numbers.
    assert summary["compute"]["tuning_trials"] == 3
    trials = sorted((run / "stage1-Cartpole" / "train").glob("it0-s*-trial*/result.json"))
    assert len(trials) == 3
    parent = next(s for s in samples.values() if s["status"] == "trained" and not s.get("tuned_from"))
    for trial in trials:
        result = json.loads(trial.read_text())
        assert result["seed"] == parent["seeds"][0]["seed"] and result["status"] in ("trained", "failed")
        source = json.loads((trial.parent / "job.json").read_text())["reward_source"]
        assert (
            source != parent_source(run, parent) and "torch.abs(cart_vel)" in source
        )  # other numbers, same code
    tuned = [s for s in samples.values() if s.get("tuned_from")]
    # A winner only where a trial beat the parent on their shared seed (tests/graph/search/test_tuning.py covers
    # the winner's record); then it joins the candidates and the selection over seeds.
    for winner in tuned:
        assert winner["tuned_from"] == f"it0-s{parent['sample']}" and winner["author"] == "optimiser"
        assert winner["seeds"][0]["fitness"] > parent["seeds"][0]["fitness"] and winner["constants"]
        assert len(winner["seeds"]) == 2
    assert len(parent["seeds"]) == 2  # the parent went through the selection over seeds


def parent_source(run, parent) -> str:
    return json.loads(
        (run / "stage1-Cartpole" / "train" / f"it0-s{parent['sample']}" / "job.json").read_text()
    )["reward_source"]
