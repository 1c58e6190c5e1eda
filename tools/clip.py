"""A short video of a trained candidate's policy, rendered in a confined process (``tools.clip_worker``).

The job's checkpoint was written by the process that ran the reward, so, as for the clean
evaluation, a copy of its weights is loaded as data in a fresh process.
"""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg

from sim.mujoco.task import MujocoTask
from sim.registry import task_class
from tools.clean_eval import copy_policy
from tools.files import write_json_atomic
from tools.isolation.sandbox import run_for_message
from tools.job_dir import CLIP_LOG_FILE, CLIP_SPEC_FILE, RENDERING_FILE, JobDir
from tools.text import error_headline

WORKER_MODULE = "tools.clip_worker"


def renders(task: str) -> bool:
    """Whether the task's backend can render a clip (the MuJoCo tasks can; the pure-torch ones cannot)."""
    return issubclass(task_class(task), MujocoTask)


async def render_clip(
    task: str, job_dir: Path, seconds: float = 5.0, *, timeout_s: float = 300, memory_limit_gb: float = 4
) -> tuple[Path | None, str | None]:
    """(the mp4, None) of the job's policy, or (None, why not). The clip goes in ``job_dir/clip/``."""
    job = JobDir(Path(job_dir).resolve())
    work_dir, out = job.clip_dir, job.clip
    if out.is_file():
        return out, None
    try:
        policy = copy_policy(job.root, work_dir)
    except OSError as exc:
        return None, str(exc)
    write_json_atomic(
        work_dir / CLIP_SPEC_FILE,
        {"task": task, "checkpoint": str(policy), "out": str(work_dir / RENDERING_FILE), "seconds": seconds},
    )
    # The encoder's path comes from here: its own lookup writes to /dev/null, which the worker may not open.
    report, outcome = await run_for_message(
        WORKER_MODULE,
        work_dir,
        CLIP_LOG_FILE,
        "clip",
        timeout_s=timeout_s,
        memory_limit_gb=memory_limit_gb,
        env={"IMAGEIO_FFMPEG_EXE": imageio_ffmpeg.get_ffmpeg_exe()},
    )
    if report is None:
        return None, f"the renderer {outcome.describe(timeout_s)}"
    if report.get("error"):
        return None, error_headline(str(report["error"]))
    (work_dir / RENDERING_FILE).replace(out)  # only a finished clip carries the final name
    return out, None
