"""Benchmark: how long a run takes to stop after Ctrl-C while the embedded model writes an answer.

    python bench/interrupt_latency.py [--task Cartpole] [--after 3]

Starts ``python -m graph.run --task TASK`` on its defaults (the embedded model), waits until the model's first
answer is recorded (the next sample's answer is then being written), waits ``--after`` seconds more, sends
SIGINT as a terminal's Ctrl-C does, and prints the exit code and the seconds from SIGINT to exit.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graph.results.run_dir import RunDir


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", default="Cartpole")
    p.add_argument("--after", type=float, default=3.0, help="seconds after the first answer before Ctrl-C")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        proc = subprocess.Popen(
            [sys.executable, "-m", "graph.run", "--task", args.task, "--run-dir", str(run)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        calls = RunDir(run).llm_calls
        while proc.poll() is None and not (calls.is_file() and calls.stat().st_size):
            time.sleep(0.2)
        if proc.poll() is not None:
            sys.exit(f"the run ended (exit {proc.returncode}) before its first answer")
        time.sleep(args.after)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait()
        print(f"{args.task}: exit {code}, {time.monotonic() - start:.1f} s after Ctrl-C")


if __name__ == "__main__":
    main()
