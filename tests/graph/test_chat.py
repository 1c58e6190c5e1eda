"""graph.chat on run directories without a live run (a live run is steered in test_run_steering.py)."""

import json
import subprocess
import sys
from pathlib import Path

from graph.chat import event_line, main
from graph.results.run_dir import RunDir
from graph.steering.inbox import Inbox

ROOT = Path(__file__).resolve().parents[2]


def test_a_directory_that_holds_no_run_is_refused_in_one_line(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path} is not a run directory (no config.yaml)"


def test_messages_piped_to_a_stopped_run_are_queued_for_its_resume(tmp_path):
    run = RunDir(tmp_path)
    run.config.write_text("task: Cartpole\n")
    run.summary.write_text(json.dumps({"status": "stopped"}))
    done = subprocess.run(
        [sys.executable, "-m", "graph.chat", str(tmp_path)],
        input="more torque\n/stop\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "2 message(s) queued" in done.stdout
    assert [m.text for m in Inbox(run.inbox).messages()] == ["more torque", "/stop"]


def test_an_event_is_one_bounded_line():
    line = event_line(
        {
            "timestamp": "2026-12-04T23:00:01Z",
            "event": "train.done",
            "level": "info",
            "candidate": "it0-s1",
            "note": "x" * 1000,
        }
    )
    assert line.startswith("23:00:01 train.done") and "candidate=it0-s1" in line and len(line) <= 400
