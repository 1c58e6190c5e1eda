"""Curricula through the CLI: real rl_games stages handing over policies, a replayed LLM transcript."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.results.run_dir import (
    CANDIDATES_DIR,
    INIT_CHECKPOINT_FILE,
    LLM_CALLS_FILE,
    LOG_FILE,
    SUMMARY_FILE,
    RunDir,
)
from graph.run import main
from sim.rl.checkpoint import saved_weights, weights_digest
from tests.helpers import processes_mentioning, tiny_cartpole_checkpoint
from tools.job_dir import NN_DIR, RESULT_FILE
from tools.pool import DevicePool
from tools.trainer import make_job

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD = (
    "```python\n"
    "def compute_reward(pole_angle, pole_vel):\n"
    "    r = 1.0 - pole_angle ** 2 - 0.01 * pole_vel.abs()\n"
    "    return r, {'r': r}\n```"
)
TWO_STAGES = [
    "--search",
    "eureka",
    "--curriculum",
    "Cartpole,Cartpole",
    "--iterations",
    "1",
    "--samples",
    "2",
    "--eval-seeds",
    "1",
    "--trainers-per-device",
    "1",
    "--num-envs",
    "128",
    "--max-epochs",
    "40",
]


def transcript(path: Path, coder: int, curriculum: tuple[str, ...] = ()) -> str:
    lines = [{"agent": "coder", "response": GOOD}] * coder + [
        {"agent": "curriculum", "response": r} for r in curriculum
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return f"replay:{path}"


def first_fitness(result: dict) -> float:
    return next(f for f in result["fitness"] if f is not None)


@pytest.mark.slow
def test_stage_two_starts_from_stage_ones_best_policy_and_reward(tmp_path):
    llm = transcript(tmp_path / "calls.jsonl", 4, ('{"decision": "advance", "reason": "it balances"}',))
    run = tmp_path / "run"
    assert main([*TWO_STAGES, "--llm", llm, "--run-dir", str(run)]) == 0
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "completed" and summary["task"] == "Cartpole"
    one, two = summary["stages"]
    assert one["decision"] == {"action": "advance", "reason": "it balances", "by": "agent"}
    assert two["decision"]["action"] == "finish" and two["decision"]["by"] == "config"
    assert two["init_checkpoint"] == one["checkpoint"] and two["prior_reward_from"] == "Cartpole"
    assert summary["best"] == two["best"] and summary["final_eval"] == two["final_eval"]

    # Every stage-2 training (candidates and the final evaluation) started from stage 1's best policy:
    # the weights its first epoch ran with are the ones stage 1 saved.
    stage_one = weights_digest(saved_weights(one["checkpoint"]))
    results = sorted((run / "stage2-Cartpole").rglob(RESULT_FILE))  # its trainings and its evaluation
    assert len(results) == 3
    for path in results:
        assert json.loads(path.read_text())["warm_start_digest"] == stage_one
    assert all(
        json.loads(p.read_text())["warm_start_digest"] is None
        for p in (run / "stage1-Cartpole").rglob(RESULT_FILE)
    )

    # It starts far ahead of the same reward trained from scratch on the same budget and seed.
    warm = json.loads((RunDir(run).training("stage2-Cartpole", "it0-s0") / RESULT_FILE).read_text())
    reward = tmp_path / "good.py"
    reward.write_text(GOOD.split("\n", 1)[1].rsplit("```", 1)[0])
    job = make_job("Cartpole", str(reward), tmp_path / "scratch", ppo={"num_envs": 128, "max_epochs": 40})
    scratch = asyncio.run(DevicePool("cpu").run(job))
    print(f"first fitness: warm {first_fitness(warm):.1f}, scratch {first_fitness(scratch):.1f}")
    assert first_fitness(warm) > 2 * first_fitness(scratch)

    # The Coder's first stage-2 prompt carries stage 1's best reward (Eureka's reward initialisation).
    calls = [json.loads(line) for line in (run / LLM_CALLS_FILE).read_text().splitlines()]
    stage_two = next(c for c in calls if c["key"].startswith("stage2-Cartpole/"))["messages"]
    assert (
        "pole_angle ** 2" in stage_two[2]["content"] and "previous stage, Cartpole" in stage_two[3]["content"]
    )
    decision = next(c for c in calls if c["agent"] == "curriculum")
    assert "Stage 1 (Cartpole, attempt 1)" in decision["messages"][1]["content"]
    assert "has these stages: Cartpole -> Cartpole." in decision["messages"][1]["content"]


@pytest.mark.slow
def test_init_checkpoint_warm_starts_the_first_stage_from_the_runs_own_copy(tmp_path, capsys):
    checkpoint = tiny_cartpole_checkpoint(tmp_path / "pre")
    run = tmp_path / "run"
    args = [
        "--search",
        "eureka",
        "--task",
        "Cartpole",
        "--iterations",
        "1",
        "--samples",
        "1",
        "--eval-seeds",
        "1",
        "--num-envs",
        "64",
        "--max-epochs",
        "3",
        "--llm",
        transcript(tmp_path / "calls.jsonl", 1),
    ]
    assert main([*args, "--init-checkpoint", checkpoint, "--run-dir", str(run)]) == 0
    summary = json.loads((run / SUMMARY_FILE).read_text())
    copy = run / INIT_CHECKPOINT_FILE
    assert copy.read_bytes() == Path(checkpoint).read_bytes()
    assert summary["stages"][0]["init_checkpoint"] == str(copy.resolve())
    result = json.loads((RunDir(run).training("stage1-Cartpole", "it0-s0") / RESULT_FILE).read_text())
    assert result["warm_start_digest"] == weights_digest(saved_weights(checkpoint))

    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint")
    capsys.readouterr()
    assert main([*args, "--init-checkpoint", str(bad), "--run-dir", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"error: --init-checkpoint: {bad} is not an rl_games checkpoint")
        and err.count("\n") == 1
    )
    assert not (tmp_path / "b").exists()


@pytest.mark.slow
def test_kill_9_in_stage_two_then_resume_does_not_rerun_stage_one(tmp_path):
    run = tmp_path / "run"
    llm = transcript(tmp_path / "calls.jsonl", 4)
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph.run", *TWO_STAGES, "--llm", llm, "--run-dir", str(run)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while (
        time.time() < deadline
        and proc.poll() is None
        and not any((job / NN_DIR).exists() for job in RunDir(run).jobs("stage2-Cartpole"))
    ):
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before stage 2 trained"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stage_one = {p: p.read_text() for p in (run / "stage1-Cartpole").rglob(RESULT_FILE)}
    assert len(stage_one) == 3  # two candidates and the final evaluation
    time.sleep(1)
    assert processes_mentioning(str(run)) == []

    resumed = subprocess.run(
        [sys.executable, "-m", "graph.run", "--resume", str(run)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "completed" and [s["task"] for s in summary["stages"]] == ["Cartpole"] * 2
    assert {p: p.read_text() for p in (run / "stage1-Cartpole").rglob(RESULT_FILE)} == stage_one  # not redone
    assert summary["llm"]["calls"] == 4  # no stage-1 program was sampled again
    events = [json.loads(line) for line in (run / LOG_FILE).read_text().splitlines()]
    assert [e["stage"] for e in events if e["event"] == "stage.done"] == [
        "stage1-Cartpole",
        "stage2-Cartpole",
    ]
    assert [e["stage"] for e in events if e["event"] == "stage.start"] == [
        "stage1-Cartpole",
        "stage2-Cartpole",
    ]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_headline_command_runs_its_curriculum_with_the_embedded_model(tmp_path):
    """No key, no network: the embedded model writes the rewards (they train) and makes the decisions."""
    run = tmp_path / "run"
    # One greedy sample without repairs per stage: each model call costs ~30 s on 2 cores (2 samples with
    # repairs took 10 min); at temperature 0 its programs are the same each time (every stage trained, 8 min).
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graph.run",
            "--search",
            "eureka",
            "--task",
            "ShadowHandSpin",
            "--iterations",
            "1",
            "--samples",
            "1",
            "--repair-attempts",
            "0",
            "--max-epochs",
            "2",
            "--num-envs",
            "16",
            "--temperature",
            "0",
            "--run-dir",
            str(run),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        env={k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((run / SUMMARY_FILE).read_text())
    stages = summary["stages"]
    assert stages[0]["task"] == "ShadowHand" and all(
        s["decision"] and s["decision"]["reason"] for s in stages
    )
    assert all(s["best"] for s in stages), [(s["task"], s["attempt"], s["best"]) for s in stages]
    # The 1.5B model's decisions are its own: the stages must follow them.
    for before, after in zip(stages, stages[1:], strict=False):
        action = before["decision"]["action"]
        assert action in ("advance", "repeat")
        expected = (before["task"], before["attempt"] + 1) if action == "repeat" else ("ShadowHandSpin", 1)
        assert (after["task"], after["attempt"]) == expected
    last = stages[-1]["decision"]["action"]
    if stages[-1]["task"] == "ShadowHandSpin":
        assert last in ("finish", "stop") and summary["status"] in ("completed", "stopped_by_curriculum")
    else:
        assert last == "stop" and summary["status"] == "stopped_by_curriculum"
    calls = [json.loads(line) for line in (run / LLM_CALLS_FILE).read_text().splitlines()]
    assert {c["agent"] for c in calls} >= {"coder", "curriculum"} and all(c["response"] for c in calls)
    # The agent was asked after stage 1 (it had a choice); its answer,
    # or the config when it gave no usable one, decided.
    first = stages[0]["decision"]
    assert first["by"] == "agent" or (first["by"] == "config" and "following the config" in first["reason"])
    assert (run / "stage2-ShadowHandSpin" / CANDIDATES_DIR).is_dir() == (
        stages[-1]["task"] == "ShadowHandSpin"
    )
