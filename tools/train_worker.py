"""Worker process entry: ``python -m tools.train_worker OUT_DIR`` trains the job in OUT_DIR.

It reads ``job.json`` and always writes ``result.json`` unless it is killed; a reward
program that raises or returns bad values becomes a failed result with its traceback.
"""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path

from tools.jobs import JOB_FILE, RESULT_FILE, TrainJob, TrainResult, failed_result, write_json_atomic

REWARD_FILE = "reward.py"


def root_cause(exc: BaseException, reward_file: str) -> str:
    """The traceback from the first frame inside the reward program (or the whole one if none).

    A RewardProgramError (bad output shape, NaN, unknown state name) is the program's fault
    but is raised by our checks, so it is reported as its message alone; so is a
    CheckpointError (a warm start from a checkpoint that does not fit).
    """
    from sim.checkpoint import CheckpointError
    from tools.reward_program import RewardProgramError

    if isinstance(exc, (RewardProgramError, CheckpointError)):
        return f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if f.filename == reward_file), None)
    shown = frames if first is None else frames[first:]
    head = "Traceback (most recent call last):\n" if shown else ""
    return head + "".join(traceback.format_list(shown)) + "".join(traceback.format_exception_only(exc))


def run(out_dir: Path) -> TrainResult:
    """Train the job in ``out_dir``; never raises for errors caused by the reward or config."""
    started = time.perf_counter()
    job = TrainJob.read(out_dir / JOB_FILE)
    reward_path = out_dir / REWARD_FILE
    reward_path.write_text(job.reward_source)
    try:
        from sim.ppo import ppo_config, train  # heavy imports inside the guarded block
        from tools.reward_program import RewardProgram

        program = RewardProgram.from_source(job.reward_source, filename=str(reward_path))
        cfg = ppo_config(job.task, job.ppo)
        result = train(job.task, program, cfg, job.seed, job.device, out_dir, job.checkpoint)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a structured result
        result = failed_result(job, root_cause(exc, str(reward_path)), time.perf_counter() - started)
    result.update(job.identity())
    return result


def main() -> None:
    out_dir = Path(sys.argv[1])
    write_json_atomic(out_dir / RESULT_FILE, run(out_dir))


if __name__ == "__main__":
    main()
