"""Worker process entry: ``python -m tools.train_worker OUT_DIR`` trains the job in OUT_DIR.

It reads ``job.json`` and sends its progress after every epoch and, unless it is
killed, one result message on the channel; a reward program that raises or returns bad
values becomes a failed result with its traceback. The pool writes ``result.json``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from tools.devices import PIN_ENV, worker_device
from tools.isolation.channel import send
from tools.job_dir import JobDir
from tools.jobs import TrainJob, TrainResult, failed_result


def report_progress(progress: dict) -> None:
    send({"type": "progress", **progress})


def report_rung(epoch: int) -> None:
    send({"type": "rung", "epoch": epoch})


def run(out_dir: Path) -> TrainResult:
    """Train the job in ``out_dir``; never raises for errors caused by the reward or config."""
    started = time.perf_counter()
    files = JobDir(out_dir)
    job = TrainJob.read(files.job)
    reward_path = files.reward
    reward_path.write_text(job.reward_source)
    from sim.reward.program import root_cause

    try:
        from sim.reward.program import RewardProgram
        from sim.rl.ppo import train  # heavy imports inside the guarded block
        from sim.rl.ppo_config import ppo_config

        program = RewardProgram.from_source(job.reward_source, filename=str(reward_path))
        cfg = ppo_config(job.task, job.ppo)
        warm_start = str(files.warm_start) if job.checkpoint else None
        device = worker_device(job.device)
        print(f"slot {job.device}, {PIN_ENV}={os.environ.get(PIN_ENV)!r}: training on {device}", flush=True)
        result = train(
            job.task,
            program,
            cfg,
            job.seed,
            device,
            out_dir,
            warm_start,
            report_progress,
            sim=job.sim,
            rungs=tuple(job.rungs),
            on_rung=report_rung,
            salt=job.seed_salt,
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes a structured result
        error = root_cause(exc, str(reward_path))
        if job.checkpoint:  # name the user's checkpoint, not the job's copy of it
            error = error.replace(str(files.warm_start), job.checkpoint)
        result = failed_result(job, error, time.perf_counter() - started)
    result.update(job.identity())
    return result


def main() -> None:
    send({"type": "result", "result": run(Path(sys.argv[1]))})


if __name__ == "__main__":
    main()
