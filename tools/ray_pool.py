"""The Trainer on a Ray cluster (the ``[ray]`` extra): the DevicePool's interface, one actor per job.

Each job gets its own actor, which holds ``gpus_per_trainer`` GPUs (fractions allowed) and runs
the job with a one-slot local DevicePool in a private directory on its node: the same confined
worker and the same clean evaluation as on one machine. Progress streams back as the actor's
generator yields it; at the end the job's directory (logs, checkpoints, clean evaluation) comes
back as an archive and is unpacked into the job's ``out_dir``, so no shared disk is assumed.
Cancelling ``run`` kills the actor, and the job's worker dies with it (the sandbox's
parent-death signal): Ray's own cancel of a task blocked on a subprocess leaves it running.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import socket
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import ray

from tools.clean_eval import trained_checkpoint
from tools.files import write_json_atomic
from tools.job_dir import JOB_FILE, RESULT_FILE, WARM_START_IN_FILE
from tools.jobs import (
    TrainJob,
    TrainResult,
    failed_result,
    finite_or_none,
    sanitize_progress,
)
from tools.pool import DevicePool
from tools.rungs import Judge

#: A job directory larger than this does not come back (its reward filled it): the job fails.
MAX_ARCHIVE_BYTES = 1 << 30
#: Caches a training leaves in its directory that the run does not need back.
SKIPPED_DIRS = ("torchinductor_", ".cache")  # torch.compile and Warp kernel caches


def pack(job_dir: Path) -> bytes:
    """The job directory's regular files as a gzipped tar (links and caches left out)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(job_dir.rglob("*")):
            relative = path.relative_to(job_dir)
            if any(part.startswith(SKIPPED_DIRS) for part in relative.parts) or path.is_symlink():
                continue
            if path.is_file() or path.is_dir():
                tar.add(path, arcname=str(relative), recursive=False)
    return buffer.getvalue()


def unpack(archive: bytes, out_dir: Path) -> None:
    """Regular files and directories only, inside ``out_dir`` (tarfile's ``data`` filter refuses the rest);
    the job and result files are the driver's own."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        members = [
            m for m in tar.getmembers() if (m.isreg() or m.isdir()) and m.name not in (JOB_FILE, RESULT_FILE)
        ]
        tar.extractall(out_dir, members=members, filter="data")


@ray.remote
class JobActor:
    """Trains one job on the node it was placed on (with the GPUs Ray gave it) and sends it back.

    At a rung, the node measures the snapshot and asks the driver, whose judge knows the other candidates;
    the driver's verdict comes back through ``verdict``.
    """

    def __init__(self):
        self.verdicts: dict[int, asyncio.Future] = {}

    async def verdict(self, epoch: int, verdict: dict) -> None:
        self.verdicts[epoch].set_result(verdict)

    async def train(
        self, job: dict, warm_start: bytes | None, timeout_s: float | None, memory_limit_gb: float | None
    ):
        import torch

        gpus = ray.get_gpu_ids()  # Ray has pinned this process to them (CUDA_VISIBLE_DEVICES)
        device = "cuda:0" if gpus and torch.cuda.is_available() else "cpu"
        root = Path(tempfile.mkdtemp(prefix="eureka-job-"))
        try:
            local = TrainJob(**{**job, "out_dir": str(root / "job"), "checkpoint": None})
            if warm_start is not None:
                (root / WARM_START_IN_FILE).write_bytes(warm_start)
                local.checkpoint = str(root / WARM_START_IN_FILE)
            progress: asyncio.Queue = asyncio.Queue()

            async def ask_driver(epoch: int, fitness: float | None) -> dict:
                self.verdicts[epoch] = asyncio.get_running_loop().create_future()
                progress.put_nowait({"type": "rung", "epoch": epoch, "fitness": fitness})
                return await self.verdicts[epoch]

            pool = DevicePool(device, timeout_s=timeout_s, memory_limit_gb=memory_limit_gb)
            training = asyncio.create_task(
                pool.run(
                    local,
                    on_progress=lambda p: progress.put_nowait({"type": "progress", **p}),
                    judge=ask_driver if local.rungs else None,
                )
            )
            training.add_done_callback(lambda _: progress.put_nowait(None))
            while (item := await progress.get()) is not None:
                yield item
            result = training.result()
            archive = pack(root / "job")
            where = {
                "node": socket.gethostname(),
                "node_id": ray.get_runtime_context().get_node_id(),
                "pid": os.getpid(),
                "gpu_ids": [str(g) for g in gpus],
                "device": device,
                "node_dir": local.out_dir,
            }
            yield {"type": "result", "result": result, "archive": archive, "where": where}
        finally:
            shutil.rmtree(root, ignore_errors=True)


class RayPool:  # a tools.pool.TrainingPool
    """``await pool.run(job)`` on a Ray cluster; see the module docstring.

    ``address``: a running cluster (``ray start --head`` elsewhere), or None for a local instance
    with ``local_gpus`` logical GPUs (None: the GPUs Ray finds). ``gpus_per_trainer`` and
    ``cpus_per_trainer`` are each job's resources; fractions are allowed and Ray queues the jobs
    that do not fit. ``gpus_per_trainer=None`` chooses from the cluster: one GPU per training where Ray
    reports GPUs, else none; ``choice`` says what was chosen.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        gpus_per_trainer: float | None = None,
        cpus_per_trainer: float = 1.0,
        local_gpus: int | None = None,
        timeout_s: float | None = None,
        memory_limit_gb: float | None = None,
    ):
        if not ray.is_initialized():
            local = {} if address else {"num_gpus": local_gpus}
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
                **{k: v for k, v in local.items() if v is not None},
            )
        if gpus_per_trainer is None:
            gpus = ray.cluster_resources().get("GPU", 0.0)
            gpus_per_trainer = 1.0 if gpus >= 1 else 0.0
            self.choice = f"gpus_per_trainer {gpus_per_trainer:g}: Ray reports {gpus:g} GPUs" + (
                "" if gpus >= 1 else ", so trainings run on the CPU"
            )
        else:
            self.choice = f"gpus_per_trainer {gpus_per_trainer:g} (given)"
        self.resources = {"num_gpus": gpus_per_trainer, "num_cpus": cpus_per_trainer}
        self.timeout_s, self.memory_limit_gb = timeout_s, memory_limit_gb

    async def run(
        self, job: TrainJob, on_progress: Callable[[dict], None] | None = None, judge: Judge | None = None
    ) -> TrainResult:
        """Train ``job`` on the cluster; its directory comes back into ``job.out_dir``. ``judge``: as
        DevicePool's (asked here, on the driver, with the clean fitness the node measured at the rung)."""
        out_dir = Path(job.out_dir)
        (out_dir / RESULT_FILE).unlink(missing_ok=True)
        job.device = f"ray(gpus={self.resources['num_gpus']:g})"
        job.write()
        try:
            warm_start = Path(job.checkpoint).read_bytes() if job.checkpoint else None
        except OSError:
            return failed_result(job, f"CheckpointError: {job.checkpoint} is not a readable file")
        actor = JobActor.options(**self.resources).remote()
        try:
            final = None
            job_fields = {**asdict(job), "rungs": job.rungs if judge else []}
            async for ref in actor.train.remote(job_fields, warm_start, self.timeout_s, self.memory_limit_gb):
                item = await ref
                if item["type"] == "progress":
                    if on_progress and (progress := sanitize_progress(item)):
                        on_progress(progress)
                elif item["type"] == "rung":
                    await actor.verdict.remote(
                        item["epoch"], await judge(item["epoch"], finite_or_none(item["fitness"]))
                    )
                else:
                    final = item
        finally:
            ray.kill(actor)  # a cancelled job: its process and the worker under it end here
        return self._bring_back(job, final)

    def _bring_back(self, job: TrainJob, final: dict) -> TrainResult:
        """The node's result with its paths moved to ``job.out_dir``, where its files are unpacked."""
        out_dir = Path(job.out_dir)
        result = final["result"]
        if len(final["archive"]) > MAX_ARCHIVE_BYTES:
            result = failed_result(
                job,
                f"the job directory on {final['where']['node']} is over "
                f"{MAX_ARCHIVE_BYTES >> 20} MiB: not brought back",
            )
        else:
            unpack(final["archive"], out_dir)
            result.update(out_dir=str(out_dir), device=job.device)
            if result["status"] == "trained":
                result["checkpoint"] = str(trained_checkpoint(out_dir))
        result["where"] = final["where"]
        write_json_atomic(out_dir / RESULT_FILE, result)
        return result
