"""Steering a real run: graph.run driven through a pseudo-terminal, graph.chat attached to it, a steer
file, and a kill -9. The Coder and the Critic are a FAKE LLM (a replayed transcript); training,
checking, the inbox and the checkpoints are real.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pexpect
import pytest

from graph.results.run_dir import LLM_CALLS_FILE, LOG_FILE, REPORT_MD, SUMMARY_FILE, RunDir
from graph.steering.inbox import Inbox

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
STAGE = "stage1-Cartpole"
CRITIC_ANSWER = "it0-s0 is the best so far: its pole stays up longest."
USER_PROGRAM = "def compute_reward(pole_angle, cart_pos):\n    r = 1.0 - pole_angle ** 2 - 0.1 * cart_pos.abs()\n    return r, {'upright': r}"  # noqa: E501


def transcript(tmp_path: Path, critic_answers: int = 0) -> Path:
    """The Cartpole fixture (6 Coder answers), plus FAKE Critic answers."""
    path = tmp_path / "transcript.jsonl"
    extra = [json.dumps({"agent": "critic", "response": CRITIC_ANSWER}) for _ in range(critic_answers)]
    path.write_text((FIXTURES / "cartpole_replay.jsonl").read_text() + "".join(line + "\n" for line in extra))
    return path


def run_args(tmp_path: Path, run: Path, iterations: int = 2, *extra: str) -> list[str]:
    return [
        "-m",
        "graph.run",
        "--task",
        "Cartpole",
        "--iterations",
        str(iterations),
        "--samples",
        "3",
        "--repair-attempts",
        "0",
        "--llm",
        f"replay:{transcript(tmp_path, critic_answers=1)}",
        "--eval-seeds",
        "1",
        "--num-envs",
        "128",
        "--max-epochs",
        "8",
        "--run-dir",
        str(run),
        *extra,
    ]


def spawn(args: list[str], timeout: float = 240) -> pexpect.spawn:
    """A process on a pseudo-terminal (so graph.run and graph.chat show their prompt);
    ``output()`` is all it printed."""
    env = {**os.environ, "COLUMNS": "200", "LINES": "50"}
    child = pexpect.spawn(
        sys.executable, args, cwd=ROOT, env=env, encoding="utf-8", timeout=timeout, dimensions=(50, 200)
    )
    child.logfile_read = io.StringIO()
    return child


def drain(child: pexpect.spawn) -> threading.Thread:
    """Read everything the child prints until it exits, in the background: a pseudo-terminal nobody reads
    fills up and blocks the child's next write (graph.run redraws its progress toolbar every second)."""
    reader = threading.Thread(target=child.expect, args=(pexpect.EOF,), kwargs={"timeout": 600}, daemon=True)
    reader.start()
    return reader


def output(child: pexpect.spawn) -> str:
    return child.logfile_read.getvalue()


def prompts_of(run: Path, iteration: int) -> list[str]:
    """The last user turn of each Coder prompt of an iteration."""
    calls = [json.loads(line) for line in (run / LLM_CALLS_FILE).read_text().splitlines()]
    return [
        c["messages"][-1]["content"]
        for c in calls
        if c["agent"] == "coder" and c["key"].startswith(f"{STAGE}/it{iteration}-")
    ]


def summary(run: Path) -> dict:
    return json.loads((run / SUMMARY_FILE).read_text())


def wait_for_event(run: Path, event: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = run / LOG_FILE
        if log.exists() and f'"event": "{event}"' in log.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"no {event} in {RunDir(run).log} after {timeout} s")


@pytest.mark.slow
def test_terminal_feedback_critic_question_and_edit_during_iteration_0(tmp_path):
    run = tmp_path / "run"
    child = spawn(run_args(tmp_path, run))
    child.expect(
        "stage.start"
    )  # iteration 0 is going (a terminal shows the milestones, not every training's start)
    child.sendline("keep the cart near the centre of the track")
    child.sendline("@critic which candidate is best so far?")
    child.sendline("/edit")
    for line in USER_PROGRAM.splitlines():
        child.sendline(line)
    child.sendline("/end")
    child.sendline("/samples zero")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    printed = output(child)
    assert f"[critic] {CRITIC_ANSWER}" in printed
    assert "[run] error: /samples needs a whole number, got 'zero'" in printed
    assert "completed: best fitness" in printed
    assert "LLM: " in printed and " calls, " in printed  # the live toolbar below the prompt
    assert "train.done" in printed and "train.progress" not in printed  # a terminal: no line per epoch
    # The feedback typed during iteration 0 joins the reflection in every prompt of iteration 1.
    second = prompts_of(run, 1)
    assert second and all(
        "keep the cart near the centre of the track" in p and "task_score" in p for p in second
    )
    assert not any("keep the cart near" in p for p in prompts_of(run, 0))
    it1 = summary(run)["iterations"][1]["samples"]
    pasted = [s for s in it1 if s["author"] == "user"]
    assert len(pasted) == 1 and pasted[0]["status"] == "trained" and pasted[0]["fitness"] is not None
    assert Path(pasted[0]["reward_path"]).read_text().strip() == USER_PROGRAM
    kinds = [r["kind"] for r in summary(run)["iterations"][0]["steering"]]
    assert kinds == ["feedback", "edit"]
    replies = Inbox(RunDir(run).inbox).replies()
    assert any(r.agent == "critic" and r.text == CRITIC_ANSWER for r in replies)


@pytest.mark.slow
def test_chat_pauses_resumes_and_stops_a_running_run(tmp_path):
    run = tmp_path / "run"
    runner = spawn(run_args(tmp_path, run, 3))
    runner.expect("stage.start")
    reading = drain(runner)
    chat = spawn(["-m", "graph.chat", str(run)])
    chat.expect("attached to")
    chat.sendline("/pause")
    chat.expect(r"paused after iteration 0 of " + STAGE)
    wait_for_event(run, "steer.waiting")  # the run waits at the boundary: iteration 1 has not started
    assert '"candidate": "it1-s' not in (run / LOG_FILE).read_text()
    chat.sendline("/status")
    chat.expect("waiting for /resume")
    chat.sendline("/resume")
    chat.expect(r"\[run\] resumed")
    chat.expect("candidate=it1-s")  # the live events: iteration 1 trains
    chat.sendline("/stop")
    chat.expect("stopping: the best reward so far gets its final evaluation")
    chat.expect("run stopped_by_user")
    chat.expect(pexpect.EOF)
    reading.join(timeout=120)
    runner.close()
    assert not reading.is_alive() and runner.exitstatus == 0
    s = summary(run)
    assert s["status"] == "stopped_by_user"
    assert [it["iteration"] for it in s["iterations"]] == [0, 1]  # the third iteration never ran
    assert s["final_eval"]["mean"] is not None and len(s["final_eval"]["fitness"]) == 1
    assert s["stages"][0]["decision"]["by"] == "user"
    assert "Status: stopped_by_user" in (run / REPORT_MD).read_text()  # the report is written on /stop too


@pytest.mark.slow
def test_a_message_sent_before_kill_9_is_applied_after_resume(tmp_path):
    run = tmp_path / "run"
    args = run_args(tmp_path, run)
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_event(run, "train.start")
        chat = subprocess.run(
            [sys.executable, "-m", "graph.chat", str(run)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            input="reward keeping the cart still\n",
            timeout=60,
        )
        assert chat.returncode == 0 and "[run] feedback: applied at the end of iteration 0" in chat.stdout
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        proc.kill()
    assert '"event": "steer.applied"' not in (run / LOG_FILE).read_text()  # killed before the boundary
    resumed = subprocess.run(
        [sys.executable, "-m", "graph.run", "--resume", str(run)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert summary(run)["status"] == "completed"
    second = prompts_of(run, 1)
    assert second and all("reward keeping the cart still" in p for p in second)


@pytest.mark.slow
def test_human_feedback_mode_with_a_steer_file_replaces_the_reflection(tmp_path):
    run = tmp_path / "run"
    steer = tmp_path / "steer.txt"
    steer.write_text(
        "# one feedback per iteration\nthe pole falls to the left; reward a centred cart\n"
        "good; now make it faster\n"
    )
    proc = subprocess.run(
        [sys.executable, *run_args(tmp_path, run), "--feedback", "human", "--steer-file", str(steer)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    s = summary(run)
    assert s["status"] == "completed" and [it["iteration"] for it in s["iterations"]] == [0, 1]
    second = prompts_of(run, 1)
    # The person's text replaced the automatic reflection: no statistics block, their words instead.
    assert second and all("the pole falls to the left" in p and "task_score" not in p for p in second)
    assert s["iterations"][0]["steering"][0]["text"] == "the pole falls to the left; reward a centred cart"
    notices = [r.text for r in Inbox(RunDir(run).inbox).replies() if r.key.endswith("/human")]
    assert len(notices) == 1 and "it0-s0" in notices[0] and "task_score" in notices[0]
