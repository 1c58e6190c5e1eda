"""graph.run --pool ray: a Eureka run on a local Ray instance with 2 logical GPUs and fractional trainers."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph.results.run_dir import SUMMARY_FILE
from tools.job_dir import CLEAN_EVAL_DIR, EVAL_SPEC_FILE, RESULT_FILE, TRAIN_LOG_FILE

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD = (
    "```python\n"
    "def compute_reward(pole_angle, pole_vel):\n"
    "    r = 1.0 - pole_angle ** 2 - 0.01 * pole_vel.abs()\n"
    "    return r, {'r': r}\n```"
)


@pytest.mark.slow
def test_a_eureka_run_on_ray_with_fractional_gpus_completes(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")  # Ray refuses 2 logical GPUs where the variable lists none
    transcript = tmp_path / "calls.jsonl"
    transcript.write_text("".join(json.dumps({"agent": "coder", "response": GOOD}) + "\n" for _ in range(4)))
    run = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graph.run",
            "--search",
            "eureka",
            "--task",
            "Cartpole",
            "--iterations",
            "2",
            "--samples",
            "2",
            "--eval-seeds",
            "2",
            "--num-envs",
            "64",
            "--max-epochs",
            "5",
            "--llm",
            f"replay:{transcript}",
            "--pool",
            "ray",
            "--ray-gpus",
            "2",
            "--gpus-per-trainer",
            "0.5",
            "--run-dir",
            str(run),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "completed" and len(summary["final_eval"]["fitness"]) == 2
    assert all(s["status"] == "trained" for it in summary["iterations"] for s in it["samples"])
    results = [json.loads(p.read_text()) for p in run.rglob(RESULT_FILE) if CLEAN_EVAL_DIR not in p.parts]
    assert (
        len(results) == 6
    )  # four candidates and two final-evaluation seeds, each brought back from its actor
    assert all(len(r["where"]["gpu_ids"]) == 1 for r in results)  # Ray gave each actor one (shared) GPU
    assert {r["where"]["gpu_ids"][0] for r in results} <= {"0", "1"}
    shared = [
        (a, b)
        for a in results
        for b in results
        if a is not b and a["where"]["gpu_ids"] == b["where"]["gpu_ids"]
    ]
    assert any(
        max(a["started_at"], b["started_at"]) < min(a["finished_at"], b["finished_at"]) for a, b in shared
    )  # half each: two at once
    assert all(Path(r["checkpoint"]).is_relative_to(run) and Path(r["checkpoint"]).is_file() for r in results)


@pytest.mark.slow
def test_a_run_on_a_two_node_cluster_at_ray_address_brings_every_file_back(tmp_path):
    from ray.cluster_utils import Cluster

    # A CPU cluster on any machine: no node declares a GPU (the head trains nothing itself).
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={"num_cpus": 0, "num_gpus": 0})
    try:
        for _ in range(2):
            cluster.add_node(num_cpus=1, num_gpus=0)
        transcript = tmp_path / "calls.jsonl"
        transcript.write_text(
            "".join(json.dumps({"agent": "coder", "response": GOOD}) + "\n" for _ in range(2))
        )
        run = tmp_path / "run"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "graph.run",
                "--search",
                "eureka",
                "--task",
                "Cartpole",
                "--iterations",
                "1",
                "--samples",
                "2",
                "--eval-seeds",
                "2",
                "--num-envs",
                "64",
                "--max-epochs",
                "5",
                "--llm",
                f"replay:{transcript}",
                "--pool",
                "ray",
                "--ray-address",
                cluster.address,
                "--run-dir",
                str(run),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        cluster.shutdown()
    assert done.returncode == 0, done.stderr[-3000:]
    assert (
        "gpus_per_trainer 0: Ray reports 0 GPUs, so trainings run on the CPU" in done.stderr
    )  # the choice, said
    results = [json.loads(p.read_text()) for p in run.rglob(RESULT_FILE) if CLEAN_EVAL_DIR not in p.parts]
    assert len(results) == 4 and len({r["where"]["node_id"] for r in results}) == 2  # both nodes trained
    for r in results:
        job = Path(r["out_dir"])
        assert (
            job.is_relative_to(run) and Path(r["checkpoint"]).is_file() and (job / TRAIN_LOG_FILE).is_file()
        )
        assert (job / CLEAN_EVAL_DIR / EVAL_SPEC_FILE).is_file() and not Path(r["where"]["node_dir"]).exists()
