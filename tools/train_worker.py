"""Worker process entry: ``python -m tools.train_worker OUT_DIR`` trains the job in OUT_DIR.

It reads ``job.json`` and always writes ``result.json`` unless it is killed; a reward
program that raises or returns bad values becomes a failed result with its traceback.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tools.files import write_json_atomic
from tools.jobs import JOB_FILE, PROGRESS_PREFIX, RESULT_FILE, TrainJob, TrainResult, failed_result

REWARD_FILE = "reward.py"


def report_progress(progress: dict) -> None:
    """Send one epoch's progress to the pool as a prefixed JSON line on stdout."""
    print(PROGRESS_PREFIX + json.dumps(progress), flush=True)


def run(out_dir: Path) -> TrainResult:
    """Train the job in ``out_dir``; never raises for errors caused by the reward or config."""
    started = time.perf_counter()
    job = TrainJob.read(out_dir / JOB_FILE)
    reward_path = out_dir / REWARD_FILE
    reward_path.write_text(job.reward_source)
    from sim.reward_program import root_cause

    try:
        from sim.ppo import ppo_config, train  # heavy imports inside the guarded block
        from sim.reward_program import RewardProgram

        program = RewardProgram.from_source(job.reward_source, filename=str(reward_path))
        cfg = ppo_config(job.task, job.ppo)
        result = train(job.task, program, cfg, job.seed, job.device, out_dir, job.checkpoint, report_progress)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a structured result
        result = failed_result(job, root_cause(exc, str(reward_path)), time.perf_counter() - started)
    result.update(job.identity())
    return result


def main() -> None:
    out_dir = Path(sys.argv[1])
    write_json_atomic(out_dir / RESULT_FILE, run(out_dir))


if __name__ == "__main__":
    main()
