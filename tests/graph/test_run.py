"""The full loop through the CLI: real rl_games training, a replayed LLM transcript."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from graph.build import build_graph
from graph.results.run_dir import (
    CANDIDATES_DIR,
    EVAL_DIR,
    LLM_CALLS_FILE,
    LOG_FILE,
    REPORT_FILES,
    REPORT_HTML,
    REPORT_MD,
    REPORT_VIDEO,
    SUMMARY_FILE,
    RunDir,
)
from graph.results.run_dir import CHECKPOINTS_FILE as CHECKPOINT_FILE
from graph.run import THREAD, main
from sim.registry import task_names
from tests.helpers import processes_mentioning
from tools.job_dir import (
    ATTEMPT_PROGRAM,
    CHECK_DIR_PREFIX,
    CHECK_FILE,
    CLEAN_EVAL_DIR,
    EVAL_SPEC_FILE,
    JOB_FILE,
    NN_DIR,
    RESULT_FILE,
    program_file,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent.parent
SMALL = ["--num-envs", "256", "--max-epochs", "20"]
STAGE = "stage1-Cartpole"  # a task without a curriculum is one stage


@pytest.mark.slow
def test_replayed_mixed_transcript_runs_two_iterations_to_final_eval(tmp_path, capsys):
    run = tmp_path / "run"
    code = main(
        [
            "--search",
            "eureka",
            "--task",
            "Cartpole",
            "--iterations",
            "2",
            "--samples",
            "3",
            "--repair-attempts",
            "0",
            "--llm",
            f"replay:{FIXTURES / 'cartpole_replay.jsonl'}",
            "--eval-seeds",
            "2",
            "--run-dir",
            str(run),
            *SMALL,
        ]
    )
    assert code == 0
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "completed"
    it0, it1 = summary["iterations"]
    assert [s["status"] for s in it0["samples"]] == ["trained", "invalid", "invalid"]
    assert "shape (16,), got ()" in it0["samples"][1]["error"]
    assert "no Python code block" in it0["samples"][2]["error"]
    # log(progress_buf - 1000) after step 30: refused at the check, whose states span the whole episode
    # (issue 36)
    assert [s["status"] for s in it1["samples"]] == ["trained", "invalid", "trained"]
    assert (
        "non-finite" in it1["samples"][1]["error"] and "episode steps 0 to 500" in it1["samples"][1]["error"]
    )
    # The highest fitness; on a tie (two programs at Cartpole's 500) the stage keeps the one it found first.
    trained = [
        (-s["fitness"], it["iteration"], s["sample"])
        for it in (it0, it1)
        for s in it["samples"]
        if s["fitness"]
    ]
    best_fitness, best_it, best_sample = min(trained)
    assert summary["best"]["fitness"] == -best_fitness
    assert (summary["best"]["iteration"], summary["best"]["sample"]) == (best_it, best_sample)
    assert it1["best_sample"] == max((s["fitness"] or -1, -s["sample"]) for s in it1["samples"])[1] * -1
    assert len(summary["final_eval"]["fitness"]) == 2 and summary["final_eval"]["mean"] > 0
    assert summary["llm"]["calls"] == 6
    # The second iteration's prompt carries iteration 0's best program and its reflection.
    calls = [json.loads(line) for line in (run / LLM_CALLS_FILE).read_text().splitlines()]
    second = calls[3]["messages"]
    assert second[2]["role"] == "assistant" and "torch.exp" in second[2]["content"]
    assert "task_score" in second[3]["content"]
    assert all(
        Path(s["reward_path"]).exists() for it in (it0, it1) for s in it["samples"] if s["reward_path"]
    )
    # Progress: a table per iteration on stdout (plain text: not a terminal), with the LLM usage.
    printed = capsys.readouterr().out
    table = printed[printed.index(f"{STAGE}, iteration 1") :]
    assert all(f"it1-s{i}" in table for i in range(3)) and "non-finite" in table
    assert "LLM: 6 calls" in table and "\x1b[" not in printed
    # The report (Cartpole cannot render: no video).
    assert (run / REPORT_HTML).is_file() and "## Best reward (it" in (run / REPORT_MD).read_text()
    assert not (run / REPORT_FILES / REPORT_VIDEO).exists()
    assert (run / LOG_FILE).read_text().count('"event": "train.done"') == 3  # the trained ones


GOOD = (
    "```python\n"
    "def compute_reward(pole_angle, pole_vel):\n"
    "    r = 1.0 - pole_angle ** 2 - 0.01 * pole_vel.abs()\n"
    "    return r, {'r': r}\n```"
)


def finished_candidates(run: Path) -> dict[str, float]:
    """Candidates the graph has durably recorded as done, with the started_at of their training."""

    async def recorded() -> set[str]:
        async with AsyncSqliteSaver.from_conn_string(str(run / CHECKPOINT_FILE)) as saver:
            snapshot = await build_graph(saver).aget_state(THREAD, subgraphs=True)
        done = [c for record in snapshot.values.get("stages", []) for c in record["candidates"]]
        for stage in (task.state for task in snapshot.tasks if task.state):  # the stage that was running
            done += [c for task in stage.tasks if task.result for c in task.result.get("candidates", [])]
            done += stage.values.get("candidates", [])
        return {c["id"] for c in done}

    ids = asyncio.run(recorded()) if (run / CHECKPOINT_FILE).exists() else set()
    return {
        cid: json.loads((RunDir(run).training(STAGE, cid) / RESULT_FILE).read_text())["started_at"]
        for cid in ids
    }


def second_training_started(run: Path) -> bool:
    """A second candidate trains (one slot), and the first one is durably recorded as done.

    Which sample trains first depends on which dry run ends first, so no id is assumed.
    """
    return sum((job / NN_DIR).exists() for job in RunDir(run).jobs(STAGE)) >= 2 and bool(
        finished_candidates(run)
    )


#: Failure injection points: kill -9 of the orchestrator once this holds for the run directory.
KILL_POINTS = {
    "dry run": lambda run: any((run / STAGE / CANDIDATES_DIR).glob(f"*/{CHECK_DIR_PREFIX}*/{CHECK_FILE}")),
    "training": second_training_started,
    "clean evaluation": lambda run: any(
        (job / CLEAN_EVAL_DIR / EVAL_SPEC_FILE).exists() for job in RunDir(run).jobs(STAGE)
    ),
    "final evaluation": lambda run: any((run / STAGE / EVAL_DIR).glob(f"*/{JOB_FILE}")),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_kill_9_then_resume_completes_with_the_same_finished_candidates(point, tmp_path):
    transcript = tmp_path / "calls.jsonl"
    transcript.write_text("".join(json.dumps({"agent": "coder", "response": GOOD}) + "\n" for _ in range(3)))
    run = tmp_path / "run"
    args = [
        "--search",
        "eureka",
        "--task",
        "Cartpole",
        "--iterations",
        "1",
        "--samples",
        "3",
        "--eval-seeds",
        "1",
        "--trainers-per-device",
        "1",
        "--llm",
        f"replay:{transcript}",
        "--num-envs",
        "128",
        "--max-epochs",
        "30",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph.run", *args, "--run-dir", str(run)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and not KILL_POINTS[point](run):
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before reaching the {point}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = finished_candidates(run)
    time.sleep(1)
    assert processes_mentioning(str(run)) == []  # the workers died with the caller
    summary_path = run / SUMMARY_FILE
    assert not summary_path.exists() or json.loads(summary_path.read_text())["status"] != "completed"

    resumed = subprocess.run(
        [sys.executable, "-m", "graph.run", "--resume", str(run)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    summary = json.loads(summary_path.read_text())
    assert summary["status"] == "completed" and summary["final_eval"]["fitness"][0] is not None
    assert [s["status"] for s in summary["iterations"][0]["samples"]] == ["trained"] * 3
    after = finished_candidates(run)
    assert bool(finished) == (point in ("training", "final evaluation"))
    assert all(after[name] == started for name, started in finished.items())  # not trained again
    assert summary["llm"]["calls"] == 3  # nor sampled again
    for path in run.rglob("*.json"):  # nothing half-written
        json.loads(path.read_text())


def test_bad_cli_input_is_one_line_and_exit_code_2(tmp_path, capsys):
    assert main(["--search", "eureka", "--task", "Nope", "--run-dir", str(tmp_path / "a")]) == 2
    assert capsys.readouterr().err.strip() == "error: unknown task 'Nope'; known tasks: " + ", ".join(
        task_names()
    )
    assert main(["--resume", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert main(["--llm", f"replay:{tmp_path}/none.jsonl", "--run-dir", str(tmp_path / "b")]) == 2
    assert "no LLM transcript" in capsys.readouterr().err
    assert main(["--steer-file", str(tmp_path / "none.txt"), "--run-dir", str(tmp_path / "c")]) == 2
    assert capsys.readouterr().err.strip() == f"error: --steer-file {tmp_path / 'none.txt'}: no such file"
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "llm, message",
    [
        ("openai:gpt-4o", "cannot use LLM 'openai:gpt-4o'"),
        ("nosuchprovider:model", "cannot use LLM 'nosuchprovider:model'"),
    ],
)
def test_a_missing_key_or_a_wrong_provider_fails_before_the_run_dir_exists(
    llm, message, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert (
        main(["--search", "eureka", "--task", "Cartpole", "--llm", llm, "--run-dir", str(tmp_path / "run")])
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_an_exhausted_replay_stops_the_run_clearly_and_keeps_its_work(tmp_path, capsys):
    transcript = tmp_path / "calls.jsonl"
    transcript.write_text(json.dumps({"agent": "coder", "response": GOOD}) + "\n")
    run = tmp_path / "run"
    code = main(
        [
            "--search",
            "eureka",
            "--task",
            "Cartpole",
            "--iterations",
            "1",
            "--samples",
            "2",
            "--llm",
            f"replay:{transcript}",
            "--run-dir",
            str(run),
            *SMALL,
        ]
    )
    assert code == 2
    assert "no more recorded coder responses (all 1 used)" in capsys.readouterr().err
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "stopped"
    assert program_file(RunDir(run).candidate(STAGE, "it0-s0"), ATTEMPT_PROGRAM, 0).exists()


SPIN = (
    "```python\ndef compute_reward(object_pos, goal_pos, rot_dist, goal_reached):\n"
    "    rot_temp = 0.5\n"
    "    turn = torch.exp(-rot_dist / rot_temp)\n"
    "    stay = -10.0 * torch.norm(object_pos - goal_pos, dim=-1)\n"
    "    bonus = 100.0 * goal_reached\n"
    "    return turn + stay + bonus, {'turn': turn, 'stay': stay, 'bonus': bonus}\n```"
)
INVENTED = SPIN.replace("goal_reached)", "goal_heading)")


@pytest.mark.slow
def test_the_headline_task_runs_both_stages_end_to_end_on_mujoco(tmp_path):
    coder = [{"agent": "coder", "response": r} for r in (SPIN, INVENTED, SPIN, INVENTED)]
    advance = {"agent": "curriculum", "response": '{"decision": "advance", "reason": "the pen turns"}'}
    (tmp_path / "calls.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [*coder, advance]))
    run = tmp_path / "run"
    code = main(
        [
            "--search",
            "eureka",
            "--task",
            "ShadowHandSpin",
            "--iterations",
            "1",
            "--samples",
            "2",
            "--repair-attempts",
            "0",
            "--llm",
            f"replay:{tmp_path / 'calls.jsonl'}",
            "--eval-seeds",
            "1",
            "--num-envs",
            "32",
            "--max-epochs",
            "25",
            "--run-dir",
            str(run),
        ]
    )
    assert code == 0
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "completed"
    reorient, spin = summary["stages"]
    assert (reorient["task"], spin["task"]) == ("ShadowHand", "ShadowHandSpin")
    assert reorient["decision"]["by"] == "agent" and spin["init_checkpoint"] == reorient["checkpoint"]
    spun, invented = summary["iterations"][0]["samples"]
    assert spun["status"] == "trained"
    trained = json.loads((RunDir(run).training("stage2-ShadowHandSpin", "it0-s0") / RESULT_FILE).read_text())
    assert trained["epochs"] == 25 and set(trained["components"]) == {"turn", "stay", "bonus"}
    # 25 epochs x 16 steps > 300 steps: every env ended an episode, so fitness was measured and reported;
    # candidates are ranked by the clean evaluation's figure, and the training one is kept beside it.
    assert spun["train_fitness"] == max(f for f in trained["fitness"] if f is not None)
    assert spun["fitness"] == trained["evaluation"]["fitness"] and trained["evaluation"]["episodes"] == 32
    assert invented["status"] == "invalid" and "goal_heading" in invented["error"]
    assert summary["best"]["sample"] == 0 and len(summary["final_eval"]["fitness"]) == 1
    calls = [json.loads(line) for line in (run / LLM_CALLS_FILE).read_text().splitlines()]
    prompts = {c["key"].split("/")[0]: c["messages"][1]["content"] for c in calls if c["agent"] == "coder"}
    assert (
        "reorient the pen" in prompts["stage1-ShadowHand"]
        and "spin the pen" in prompts["stage2-ShadowHandSpin"]
    )
    assert "fingertip_pos: float32[num_envs, 5, 3]" in prompts["stage2-ShadowHandSpin"]


def run_as_in_a_terminal(args: list[str]) -> subprocess.Popen:
    """graph.run started so that Ctrl-C (SIGINT) reaches it: a test runner started in the background (nohup,
    &) ignores SIGINT, and so would the run it starts."""
    return subprocess.Popen(
        [sys.executable, "-m", "graph.run", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.mark.slow
def test_ctrl_c_while_the_embedded_model_writes_ends_the_run_cleanly(tmp_path):
    """llama.cpp cannot cancel an answer: the run stops without it, and the process exits without crashing."""
    run = tmp_path / "run"
    args = ["--task", "Cartpole", "--iterations", "1", "--samples", "2", "--run-dir", str(run)]
    proc = run_as_in_a_terminal(args)
    calls = run / LLM_CALLS_FILE
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None and not (calls.is_file() and calls.stat().st_size):
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before its first answer"
    time.sleep(1)  # the second sample's answer is being written now
    os.kill(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=120) == 130  # not a crash of the model freed under the abandoned answer (-11)
    assert f"interrupted; continue with: python -m graph.run --resume {run}" in proc.stderr.read()
    assert json.loads((run / SUMMARY_FILE).read_text())["status"] == "stopped"


@pytest.mark.slow
def test_ctrl_c_keeps_the_summary_and_report_and_resume_completes(tmp_path):
    transcript = tmp_path / "calls.jsonl"
    transcript.write_text("".join(json.dumps({"agent": "coder", "response": GOOD}) + "\n" for _ in range(2)))
    run = tmp_path / "run"
    args = [
        "--search",
        "eureka",
        "--task",
        "Cartpole",
        "--iterations",
        "2",
        "--samples",
        "1",
        "--eval-seeds",
        "1",
        "--llm",
        f"replay:{transcript}",
        "--num-envs",
        "128",
        "--max-epochs",
        "30",
        "--run-dir",
        str(run),
    ]
    proc = run_as_in_a_terminal(args)
    deadline = time.time() + 300
    while (
        time.time() < deadline
        and proc.poll() is None
        and not (RunDir(run).training(STAGE, "it1-s0") / NN_DIR).exists()
    ):
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before iteration 1 trained"
    os.kill(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    assert f"interrupted; continue with: python -m graph.run --resume {run}" in proc.stderr.read()
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "stopped" and summary["iterations"][0]["samples"][0]["status"] == "trained"
    assert "Status: stopped" in (run / REPORT_MD).read_text() and (run / REPORT_HTML).is_file()

    resumed = subprocess.run(
        [sys.executable, "-m", "graph.run", "--resume", str(run)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert json.loads((run / SUMMARY_FILE).read_text())["status"] == "completed"
    assert "Status: completed" in (run / REPORT_MD).read_text()
