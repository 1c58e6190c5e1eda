"""The clean evaluation of a trained job: its policy's fitness, measured without its reward program.

The training worker ran reward code, so everything it reports is the reward's word. Here a
fresh confined process (``tools.eval_worker``) loads the task and a copy of the policy's
weights (as data) and plays one episode per env. Its fitness ranks candidates. A training
fitness above it beyond noise flags the candidate (``overstated``): the reward process
claimed more than its policy delivers. (Below it is normal: the training figure is a
rolling mean over recent episodes, so it lags behind a policy that is still improving.)
"""

from __future__ import annotations

import math
from pathlib import Path

from sim.rl.ppo_config import env_steps, ppo_config
from tools.files import copy_regular, fresh_dir, write_json_atomic
from tools.isolation.sandbox import run_for_message
from tools.job_dir import BEST_FILE, EVAL_LOG_FILE, EVAL_SPEC_FILE, LAST_FILE, POLICY_FILE, JobDir
from tools.jobs import TrainJob, finite_or_none
from tools.text import fmt

WORKER_MODULE = "tools.eval_worker"
#: The same start states for every candidate (of every run: sim.rl.evaluation derives its unsalted
#: eval-env and eval-policy streams from it, sim.seeding), so their fitnesses compare.
EVAL_SEED = 12345
#: Relative excess of training over clean fitness tolerated as noise (on top of 3 standard errors).
RELATIVE_TOLERANCE = 0.25


def trained_checkpoint(out_dir: Path) -> Path:
    """The job's best checkpoint (its last if no fitness was measured), as a regular file inside the job.

    The paths are fixed here, never taken from the worker's report, and a symlink (which
    could point at another candidate's policy) is refused.
    """
    job = JobDir(out_dir)
    for path in (job.best, job.last):
        if not job.nn.is_symlink() and not path.is_symlink() and path.is_file():
            return path
    raise FileNotFoundError(f"{job.nn} holds no regular checkpoint file ({BEST_FILE} or {LAST_FILE})")


def job_of(checkpoint: str | Path) -> Path:
    """The job directory of a checkpoint that ``trained_checkpoint`` returned."""
    return Path(checkpoint).parent.parent


def overstated(train: float | None, clean: float | None, std: float | None, episodes: int) -> bool:
    """Whether the training fitness exceeds the clean one by more than sampling noise and the tolerance."""
    if train is None or clean is None:
        return False
    noise = 3 * (std or 0.0) / math.sqrt(max(episodes, 1))
    return train - clean > noise + RELATIVE_TOLERANCE * max(abs(train), abs(clean), 1e-6)


def rung_checkpoint(out_dir: Path, epoch: int) -> Path:
    """The policy snapshot the job saved at a rung's epoch, as a regular file inside the job
    (never a symlink)."""
    job = JobDir(out_dir)
    path = job.rung(epoch)
    if job.nn.is_symlink() or path.is_symlink() or not path.is_file():
        raise FileNotFoundError(f"{path} is not a regular checkpoint file")
    return path


def copy_policy(job_dir: Path, work_dir: Path, source: Path | None = None) -> Path:
    """A copy of the job's trained checkpoint (or of ``source``) in ``work_dir``, made afresh (whatever the
    training worker left there is gone), for a fresh process to load as data.

    Raises OSError (FileNotFoundError when the job holds no regular checkpoint file).
    """
    source = source or trained_checkpoint(job_dir)
    copy_regular(source, fresh_dir(work_dir) / POLICY_FILE)
    return work_dir / POLICY_FILE


async def evaluate_job(
    job: TrainJob,
    train_fitness: float | None,
    *,
    timeout_s: float | None,
    memory_limit_gb: float | None,
    rung: int | None = None,
) -> dict:
    """{fitness, std, episodes, error, overstated} of the job's policy, measured in a clean process:
    its trained checkpoint, or with ``rung`` the snapshot it saved at that epoch."""
    out_dir = Path(job.out_dir).resolve()  # the worker runs in work_dir: every path it gets is absolute
    work_dir = JobDir(out_dir).clean_eval(rung)
    try:
        policy = copy_policy(out_dir, work_dir, None if rung is None else rung_checkpoint(out_dir, rung))
    except OSError as exc:
        return {"fitness": None, "std": None, "episodes": 0, "error": str(exc), "overstated": False}
    spec = {"task": job.task, "checkpoint": str(policy), "seed": EVAL_SEED, "ppo": job.ppo, "sim": job.sim}
    write_json_atomic(work_dir / EVAL_SPEC_FILE, spec)
    report, outcome = await run_for_message(
        WORKER_MODULE,
        work_dir,
        EVAL_LOG_FILE,
        "evaluation",
        timeout_s=timeout_s,
        memory_limit_gb=memory_limit_gb,
    )
    if report is None:
        return {
            "fitness": None,
            "std": None,
            "episodes": 0,
            "overstated": False,
            "error": f"the clean evaluation {outcome.describe(timeout_s)}",
        }
    fitness, std = finite_or_none(report.get("fitness")), finite_or_none(report.get("std"))
    episodes = int(finite_or_none(report.get("episodes")) or 0)
    error = report.get("error") if isinstance(report.get("error"), str) else None
    error = error or (
        checkpoint_doubt(report, job, rung) if fitness is not None else "it measured no fitness"
    )
    return {
        "fitness": None if error else fitness,
        "std": std,
        "episodes": episodes,
        "error": error,
        "overstated": overstated(train_fitness, fitness, std, episodes),
    }


def checkpoint_doubt(report: dict, job: TrainJob, rung: int | None) -> str | None:
    """Why the checkpoint's own step count does not fit the training that claims it, or None: a policy saved
    at epoch E of N (a rung's at its epoch) after E x num_envs x horizon env-steps, counting from 0 on a warm
    start too."""
    cfg = ppo_config(job.task, job.ppo)
    epoch, frame = (
        finite_or_none(report.get("checkpoint_epoch")),
        finite_or_none(report.get("checkpoint_frame")),
    )
    fits = epoch is not None and (epoch == rung if rung is not None else 1 <= epoch <= cfg["max_epochs"])
    if fits and frame == env_steps(cfg, epoch):
        return None
    return (
        f"the checkpoint says epoch {fmt(epoch)}, {fmt(frame)} env-steps, which no training of "
        f"{cfg['max_epochs']} epochs x {cfg['num_envs']} envs saves: it is not believed"
    )
