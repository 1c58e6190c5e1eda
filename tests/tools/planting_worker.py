"""FAKE training worker (failure injection): a worker that got past the static policy plants symlinks in its
job directory, pointing outside it, and reports a forged successful training."""

import os
import sys
from pathlib import Path

from tools.isolation.channel import send
from tools.job_dir import CLEAN_EVAL_DIR


def main(out_dir: str) -> None:
    job, victim = Path(out_dir), Path(os.environ["HOME"]).parent / "victim.txt"  # HOME is the job directory
    (job / "result.json.tmp").symlink_to(victim)
    (job / CLEAN_EVAL_DIR).symlink_to(job.parent)
    send({"type": "result", "result": {"status": "trained", "fitness_max": 500.0, "fitness": [500.0]}})


if __name__ == "__main__":
    main(sys.argv[1])
