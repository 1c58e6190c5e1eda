"""python -m graph.bench: two tasks, real rl_games training, a replayed transcript per Eureka run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.bench import BenchError, normalised, parse_args
from graph.results.run_dir import LLM_CALLS_FILE, SUMMARY_FILE
from sim.registry import task_class
from sim.reward.program import function_source
from tools.job_dir import RESULT_FILE

ROOT = Path(__file__).resolve().parent.parent.parent
TASKS = ("Cartpole", "BallBalance")


def earlier_bench(root: Path) -> Path:
    """A FAKE earlier benchmark directory whose transcripts answer each run's Coder with the task's human
    reward."""
    for task in TASKS:
        code = function_source(task_class(task).human_reward).replace(
            "def human_reward(", "def compute_reward("
        )
        for method in ("eureka", "eureka_human_init"):
            (root / task / method).mkdir(parents=True)
            record = {"agent": "coder", "response": f"```python\n{code}\n```"}
            (root / task / method / LLM_CALLS_FILE).write_text(json.dumps(record) + "\n")
    return root


def bench(out: Path, llm: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "graph.bench",
            "--tasks",
            ",".join(TASKS),
            "--llm",
            llm,
            "--out",
            str(out),
            "--init-reward",
            "human",
            "--eval-seeds",
            "2",
            "--num-envs",
            "64",
            "--max-epochs",
            "6",
            "--iterations",
            "1",
            "--samples",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "COLUMNS": "400"},
    )


@pytest.mark.slow
def test_a_replayed_bench_on_two_tasks_prints_every_method_and_a_normalised_score_then_resumes(tmp_path):
    out = tmp_path / "bench"
    done = bench(out, f"replay:{earlier_bench(tmp_path / 'earlier')}")
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    results = json.loads((out / "results.json").read_text())
    assert results["seeds"] == [1000, 1001] and list(results["results"]) == list(TASKS)
    for task, per_method in results["results"].items():
        assert set(per_method) == {"sparse", "human", "eureka", "eureka_human_init"}
        for method, entry in per_method.items():
            assert len(entry["fitness"]) == 2 and all(f is not None for f in entry["fitness"]), (
                task,
                method,
                entry,
            )
        score = per_method["eureka"]["normalised"]
        sparse, human = per_method["sparse"]["mean"], per_method["human"]["mean"]
        assert score == pytest.approx((per_method["eureka"]["mean"] - sparse) / abs(human - sparse))
        assert per_method["sparse"]["normalised"] == 0.0 and per_method["human"][
            "normalised"
        ] == pytest.approx(1.0)
        # The same seeds and budget: Eureka's best reward here is the human one,
        # so it scores exactly as Human.
        assert per_method["eureka"]["fitness"] == per_method["human"]["fitness"]
    # Same seeds: Eureka's final evaluation ran the seeds the baselines trained with.
    summary = json.loads((out / "Cartpole" / "eureka" / SUMMARY_FILE).read_text())
    assert (
        summary["final_eval"]["seeds"] == [1000, 1001] and summary["stages"][0]["prior_reward_from"] is None
    )
    for line in ("Sparse", "Human", "Eureka (Human Init.)", "Eureka normalised", "Eureka beats Human on"):
        assert line in done.stdout
    assert all(task in done.stdout for task in TASKS)
    assert (out / "scores.png").stat().st_size > 5000 and "| Cartpole |" in (out / "table.md").read_text()

    # Human Init.: the first Coder prompt starts from the human reward.
    hi = json.loads((out / "Cartpole" / "eureka_human_init" / SUMMARY_FILE).read_text())
    assert hi["stages"][0]["prior_reward_from"] == "human"
    first = json.loads((out / "Cartpole" / "eureka_human_init" / LLM_CALLS_FILE).read_text().splitlines()[0])
    assert "written by a human expert" in first["messages"][-1]["content"]
    assert "def compute_reward(cart_pos, cart_vel, pole_angle, pole_vel)" in first["messages"][-2]["content"]

    # Run again: everything is read back, nothing is trained again.
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.name in (RESULT_FILE, SUMMARY_FILE)}
    again = bench(out, f"replay:{tmp_path / 'earlier'}")
    assert again.returncode == 0 and json.loads((out / "results.json").read_text()) == results
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_bad_arguments_are_one_line():
    with pytest.raises(BenchError, match="--tasks: unknown task 'Cartpol'"):
        parse_args(["--tasks", "Cartpol", "--out", "x"])
    with pytest.raises(BenchError, match="--run-dir: set by the benchmark"):
        parse_args(["--tasks", "Cartpole", "--out", "x", "--run-dir", "y"])
    with pytest.raises(BenchError, match="--eval-seeds must be >= 1"):
        parse_args(["--tasks", "Cartpole", "--out", "x", "--eval-seeds", "0"])


def test_the_normalised_score_is_undefined_when_human_equals_sparse():
    assert normalised({"mean": 3.0}, {"mean": 1.0}, {"mean": 2.0}) == 2.0
    assert normalised({"mean": 0.0}, {"mean": 1.0}, {"mean": -1.0}) == -0.5
    assert normalised({"mean": 3.0}, {"mean": 1.0}, {"mean": 1.0}) is None
    assert normalised({"mean": None}, {"mean": 1.0}, {"mean": 2.0}) is None


def test_every_search_can_be_compared_and_a_bad_search_is_named():
    from graph.bench import SEARCH_OF, BenchError, parse_args

    bench = parse_args(["--tasks", "Cartpole", "--out", "x", "--search", "eureka,robust,tuned"])
    assert bench.methods == ["sparse", "human", "eureka_paper", "eureka", "eureka_tuned"]
    assert [SEARCH_OF[m] for m in bench.methods[2:]] == ["eureka", "robust", "tuned"]
    with pytest.raises(BenchError, match="--search: any of eureka, robust, tuned"):
        parse_args(["--tasks", "Cartpole", "--out", "x", "--search", "greedy"])


def test_the_runs_go_to_ray_without_local_pool_flags_and_a_bad_run_flag_is_one_line_before_any_work(
    tmp_path, capsys
):
    from graph.bench import check_run_flags, main

    bench = parse_args(["--tasks", "Cartpole", "--out", str(tmp_path), "--pool", "ray"])
    assert "--devices" not in bench.run_args and "--trainers-per-device" not in bench.run_args
    check_run_flags(bench)  # graph.run accepts the runs' flags as they will be given
    assert (
        bench.devices == "auto" and bench.trainers_per_device >= 1
    )  # the baselines' local pool, as configs/run.yaml
    assert (
        main(["--tasks", "Cartpole", "--out", str(tmp_path / "b"), "--pool", "ray", "--devices", "cpu"]) == 2
    )
    assert "--devices applies to --pool local" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()
