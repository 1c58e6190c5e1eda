"""The two searches through the real loop (real training, FAKE replayed Coder): ``robust`` never trains a program
twice and gives its best more seeds; ``eureka`` trains every valid program once, as the paper does."""

import json

import pytest

from graph.results.run_dir import RunDir
from graph.run import main

PROGRAM = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n"
SAME = '"""Upright."""\nimport torch\n\n\ndef compute_reward(pole_angle: torch.Tensor):\n    # closer to 0 is better\n' \
       "    r = 1.0 - (pole_angle ** 2)\n    return (r, {'upright': r})\n"
OTHER = "def compute_reward(pole_angle, pole_vel):\n    r = 1.0 - pole_angle ** 2 - 0.1 * pole_vel ** 2\n" \
        "    return r, {'upright': r}\n"
ANSWERS = [PROGRAM, SAME, SAME, OTHER]  # iteration 0: the same program twice; iteration 1: it again, and a new one


def run(tmp_path, search: str) -> dict:
    transcript = tmp_path / f"{search}.jsonl"
    transcript.write_text("".join(json.dumps({"agent": "coder", "response": f"```python\n{a}```"}) + "\n"
                                  for a in ANSWERS))  # fmt: skip
    run_dir = tmp_path / search
    assert main(["--task", "Cartpole", "--iterations", "2", "--samples", "2", "--repair-attempts", "0",
                 "--llm", f"replay:{transcript}", "--eval-seeds", "1", "--num-envs", "64", "--max-epochs", "4",
                 "--search", search, "--extra-seeds", "1", "--run-dir", str(run_dir)]) == 0  # fmt: skip
    return json.loads(RunDir(run_dir).summary.read_text())


@pytest.mark.slow
def test_robust_never_trains_a_program_twice_and_eureka_trains_every_one(tmp_path):
    robust = run(tmp_path, "robust")
    samples = [s for it in robust["iterations"] for s in it["samples"]]
    assert sorted(s["status"] for s in samples) == ["duplicate", "duplicate", "trained", "trained"]
    first = next(s for s in robust["iterations"][0]["samples"] if s["status"] == "trained")
    assert {s["duplicate_of"] for s in samples if s["status"] == "duplicate"} == {f"it0-s{first['sample']}"}
    assert all(len(s["seeds"]) == 2 and s["seeds"][0]["seed"] == 0 for s in samples if s["status"] == "trained")
    assert robust["compute"]["duplicates"] == 2 and robust["compute"]["trainings"] == 2 * 2 + 1
    assert robust["final_eval"]["seeds"] == [1000] and robust["search"] == "robust"
    assert robust["final_eval"]["selection_gap"] == pytest.approx(robust["best"]["fitness"] - robust["final_eval"]["mean"])
    eureka = run(tmp_path, "eureka")
    samples = [s for it in eureka["iterations"] for s in it["samples"]]
    assert [s["status"] for s in samples] == ["trained"] * 4 and all(s["duplicate_of"] is None for s in samples)
    assert all(len(s["seeds"]) == 1 for s in samples) and eureka["compute"]["trainings"] == 4 + 1


BAD = "def compute_reward(pole_angle):\n    r = pole_angle.abs()\n    return r, {'tilt': r}\n"


@pytest.mark.slow
def test_a_candidate_behind_the_others_at_a_rung_stops_there_and_its_program_is_known(tmp_path):
    transcript = tmp_path / "answers.jsonl"
    transcript.write_text("".join(json.dumps({"agent": "coder", "response": f"```python\n{a}```"}) + "\n"
                                  for a in [OTHER, BAD, BAD]))  # fmt: skip
    run_dir = tmp_path / "run"
    assert main(["--task", "Cartpole", "--iterations", "3", "--samples", "1", "--repair-attempts", "0",
                 "--llm", f"replay:{transcript}", "--eval-seeds", "1", "--num-envs", "64", "--max-epochs", "200",
                 "--rungs", "0.05", "--rung-min-peers", "2", "--extra-seeds", "0", "--run-dir", str(run_dir)]) == 0  # fmt: skip
    summary = json.loads(RunDir(run_dir).summary.read_text())
    good, bad, again = (it["samples"][0] for it in summary["iterations"])
    assert good["status"] == "trained" and good["seeds"][0]["env_steps"] == 200 * 64 * 16
    assert bad["status"] == "stopped_early" and bad["fitness"] is None and "stopped early at epoch 10" in bad["error"]
    (entry,) = bad["seeds"]
    assert entry["status"] == "stopped_early" and entry["rung"]["epoch"] == 10 and entry["env_steps"] < 20 * 64 * 16
    assert entry["rung"]["fitness"] < json.loads((run_dir / "stage1-Cartpole" / "rungs.json").read_text())["10"]["it0-s0"]
    assert again["status"] == "duplicate" and again["duplicate_of"] == "it1-s0"  # a stopped program is not retried
    assert summary["compute"]["stopped_early"] == 1 and summary["best"]["iteration"] == 0


def test_rungs_that_fall_before_the_minimum_epoch_are_refused_in_one_line(tmp_path, capsys):
    assert main(["--task", "Cartpole", "--max-epochs", "8", "--rungs", "0.5", "--run-dir", str(tmp_path / "r")]) == 2
    assert "--rungs 0.5: with 8 epochs (Cartpole) no rung falls between epoch 10" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
