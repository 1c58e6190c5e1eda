"""Benchmark: one Eureka iteration of K trainings on S slots against the ideal schedule, in the same run.

    python bench/pool.py [--samples 8] [--slots 2] [--max-epochs 60]
        [--llm replay:...|local|openai:...] [--pool ray]

The ideal iteration time is the first LLM answer's latency plus the sum of the jobs' times
(training and clean evaluation, as each job measured them) divided by the slots: the time a
perfect scheduler with no overhead would need for the same jobs. The measured time runs from the
first LLM call to the end of the iteration (the ``iteration.done`` event). It prints both and the
ratio (target: <= 1.15x). Without ``--llm``, a transcript answers the Coder with K copies of a
Cartpole reward (no LLM latency: the ratio is then the pool's own overhead).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from graph.results.run_dir import RunDir
from tools.job_dir import RESULT_FILE

ROOT = Path(__file__).resolve().parent.parent
REWARD = (
    "```python\ndef compute_reward(pole_angle, pole_vel):\n    upright = 1.0 - pole_angle ** 2\n"
    "    return upright - 0.01 * pole_vel.abs(), {'upright': upright}\n```"
)


def event_time(event: dict) -> float:
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--samples", type=int, default=8)
    p.add_argument("--slots", type=int, default=2)
    p.add_argument("--max-epochs", type=int, default=60)
    p.add_argument("--num-envs", type=int, default=256)
    p.add_argument("--llm", help="the Coder's model (default: a transcript of K Cartpole rewards)")
    p.add_argument("--pool", default="local", choices=("local", "ray"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        llm = args.llm
        if llm is None:
            transcript = Path(tmp) / "calls.jsonl"
            transcript.write_text(
                "".join(
                    json.dumps({"agent": "coder", "response": REWARD}) + "\n" for _ in range(args.samples)
                )
            )
            llm = f"replay:{transcript}"
        command = [
            sys.executable,
            "-m",
            "graph.run",
            "--task",
            "Cartpole",
            "--iterations",
            "1",
            "--samples",
            str(args.samples),
            "--eval-seeds",
            "1",
            "--num-envs",
            str(args.num_envs),
            "--max-epochs",
            str(args.max_epochs),
            "--llm",
            llm,
            "--devices",
            "cpu",
            "--trainers-per-device",
            str(args.slots),
            "--pool",
            args.pool,
            "--run-dir",
            str(run),
        ]
        if args.pool == "ray":
            command += ["--ray-gpus", "0", "--gpus-per-trainer", "0"]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the run failed: {done.stderr.strip().splitlines()[-1:]}")
        events = [json.loads(line) for line in RunDir(run).log.read_text().splitlines()]
        calls = [e for e in events if e["event"] == "llm.call"]
        start = event_time(calls[0]) - calls[0]["wall_s"]
        end = event_time(next(e for e in events if e["event"] == "iteration.done"))
        jobs = [
            json.loads((job / RESULT_FILE).read_text())
            for job in RunDir(run).jobs("stage1-Cartpole")
            if (job / RESULT_FILE).is_file()
        ]
        trained = [j for j in jobs if j["status"] == "trained"]
        if len(trained) != args.samples:
            raise SystemExit(f"only {len(trained)} of {args.samples} candidates trained")
        busy = sum(j["finished_at"] - j["started_at"] for j in jobs)
        ideal = calls[0]["wall_s"] + busy / args.slots
        measured = end - start
    print(
        f"K={args.samples} trainings on {args.slots} slots ({args.pool} pool), {args.max_epochs} epochs x "
        f"{args.num_envs} envs each"
    )
    print(
        f"first LLM answer {calls[0]['wall_s']:.2f} s; jobs {busy:.1f} s in total; "
        f"ideal iteration {ideal:.1f} s"
    )
    print(
        f"measured iteration {measured:.1f} s; ratio measured / ideal: {measured / ideal:.2f}x "
        "(target <= 1.15x)"
    )


if __name__ == "__main__":
    main()
