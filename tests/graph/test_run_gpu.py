"""graph.run on a GPU: a whole Eureka run on cuda:0, every worker in the confinement the product gives it
(runs where a GPU exists; ``python -m tools.devices --check`` is the quick check of the same path)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from graph.results.run_dir import SUMMARY_FILE
from tools.job_dir import CLEAN_EVAL_DIR, RESULT_FILE, TRAIN_LOG_FILE

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD = (
    "```python\ndef compute_reward(pole_angle, pole_vel):\n"
    "    r = 1.0 - pole_angle ** 2 - 0.01 * pole_vel.abs()\n    return r, {'r': r}\n```"
)


@pytest.mark.gpu
@pytest.mark.skipif(torch.cuda.device_count() < 1, reason="needs a GPU: runs where one exists")
def test_a_run_on_cuda_0_trains_every_candidate_on_the_gpu_inside_the_confinement(tmp_path):
    transcript = tmp_path / "calls.jsonl"
    transcript.write_text("".join(json.dumps({"agent": "coder", "response": GOOD}) + "\n" for _ in range(2)))
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
            "1",
            "--num-envs",
            "1024",
            "--max-epochs",
            "5",
            "--devices",
            "cuda:0",
            "--llm",
            f"replay:{transcript}",
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
    assert summary["status"] == "completed" and len(summary["final_eval"]["fitness"]) == 1
    jobs = [path.parent for path in run.rglob(RESULT_FILE) if CLEAN_EVAL_DIR not in path.parts]
    assert len(jobs) == 3  # two candidates and one final-evaluation seed
    for job in jobs:
        result = json.loads((job / RESULT_FILE).read_text())
        assert result["status"] == "trained" and result["device"] == "cuda:0", result["error"]
        assert result["evaluation"]["fitness"] is not None
        assert "training on cuda:0" in (job / TRAIN_LOG_FILE).read_text()
