"""The local device pool: training slots per device, queued jobs, cancellation and timeouts."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sim.rl.ppo_config import env_steps, ppo_config
from tools.clean_eval import evaluate_job, trained_checkpoint
from tools.devices import parse_devices, pin_env
from tools.files import copy_regular, planted_path, read_tail, write_json_atomic
from tools.isolation.sandbox import run_module, signal_group
from tools.job_dir import RESULT_FILE, TRAIN_LOG_FILE, WARM_START_FILE
from tools.jobs import (
    TrainJob,
    TrainResult,
    failed_result,
    finite_or_none,
    sanitize_progress,
    sanitize_result,
)
from tools.rungs import Judge, Verdict, describe
from tools.text import clip_text

WORKER_MODULE = "tools.train_worker"


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(read_tail(path).splitlines()[-lines:])
    except OSError as exc:
        return f"(the log is unreadable: {exc})"


class TrainingPool(Protocol):
    """What the graph trains with: this module's DevicePool, or tools.ray_pool.RayPool."""

    async def run(
        self, job: TrainJob, on_progress: Callable[[dict], None] | None = None, judge: Judge | None = None
    ) -> TrainResult: ...


class DevicePool:
    """Runs TrainJobs in worker subprocesses, ``trainers_per_device`` at a time on each device
    (``"auto"``: every visible GPU, else the CPU); each worker sees only its own GPU (tools.devices).

    ``await pool.run(job)`` waits for a free slot (FIFO), trains, measures the policy's
    fitness in a clean process (``result["evaluation"]``) and returns the result.
    Cancelling the awaiting task stops the job's process. Jobs longer than ``timeout_s``
    are stopped and reported as failed. With ``job.rungs`` and a ``judge``, the training is paused at each
    rung while the snapshot it saved there is clean-evaluated and judged (``RungWatch``); one the judge stops
    ends there (``stopped_early``), freeing its slot.
    """

    def __init__(
        self,
        devices: str | list[str] = "cpu",
        trainers_per_device: int = 1,
        timeout_s: float | None = None,
        memory_limit_gb: float | None = None,
    ):
        if trainers_per_device < 1:
            raise ValueError(f"trainers_per_device must be >= 1, got {trainers_per_device}")
        self.devices = parse_devices(devices)
        self.timeout_s = timeout_s
        self.memory_limit_gb = memory_limit_gb
        self.slots: asyncio.Queue[str] = asyncio.Queue()
        for _ in range(trainers_per_device):
            for device in self.devices:
                self.slots.put_nowait(device)
        self.capacity = self.slots.qsize()

    async def run(
        self, job: TrainJob, on_progress: Callable[[dict], None] | None = None, judge: Judge | None = None
    ) -> TrainResult:
        """Train ``job``; ``on_progress`` gets {epoch, max_epochs, fitness} after every epoch,
        ``judge`` each rung."""
        device = await self.slots.get()
        try:
            return await self._train_on(device, job, on_progress, judge)
        finally:
            self.slots.put_nowait(device)

    async def _train_on(
        self, device: str, job: TrainJob, on_progress: Callable[[dict], None] | None, judge: Judge | None
    ) -> TrainResult:
        job.device = device
        out_dir = Path(job.out_dir)
        (out_dir / RESULT_FILE).unlink(missing_ok=True)
        job.write()
        started = time.time()
        if self._warm_start(job):
            result = await self._train(job, on_progress, judge)
        else:
            result = failed_result(job, f"CheckpointError: {job.checkpoint} is not a readable file", 0.0)
        if planted := planted_path(out_dir):
            result = failed_result(
                job,
                f"the worker left a symlink or special file in its job directory: "
                f"{planted.relative_to(out_dir)}; nothing of this job is trusted",
                result["wall_s"],
            )
        if result["status"] == "trained":
            evaluation = await evaluate_job(
                job, result["fitness_max"], timeout_s=self.timeout_s, memory_limit_gb=self.memory_limit_gb
            )
            result["evaluation"] = evaluation
            if evaluation["error"]:
                result.update(
                    status="failed", error=clip_text(f"clean evaluation failed: {evaluation['error']}")
                )
            else:
                result["checkpoint"] = str(trained_checkpoint(out_dir))
        result.update(started_at=started, finished_at=time.time())
        write_json_atomic(out_dir / RESULT_FILE, result)
        return result

    def _warm_start(self, job: TrainJob) -> bool:
        """Copy the warm-start checkpoint into the job (the worker reads nothing outside it)."""
        if not job.checkpoint:
            return True
        try:
            copy_regular(Path(job.checkpoint), Path(job.out_dir) / WARM_START_FILE)
        except OSError:
            return False
        return True

    async def _train(
        self, job: TrainJob, on_progress: Callable[[dict], None] | None, judge: Judge | None
    ) -> TrainResult:
        """Run the training worker; its result is rebuilt from checked fields (it ran reward code)."""
        out_dir = Path(job.out_dir).resolve()
        started = time.perf_counter()
        results: list[dict] = []
        epochs_seen: list[int] = []  # the evidence a "trained" result needs (tools.jobs.unproven)
        rungs = RungWatch(self, job, judge)

        def on_message(message: dict) -> None:
            if message["type"] == "result":
                results.append(message.get("result"))
                rungs.finished = True
            elif message["type"] == "progress" and (progress := sanitize_progress(message)) and not results:
                epochs_seen.append(progress["epoch"])
                rungs.epoch = progress["epoch"]
                if on_progress:
                    on_progress(progress)
            elif message["type"] == "rung":
                rungs.reached(message.get("epoch"))

        worker = asyncio.create_task(
            run_module(
                WORKER_MODULE,
                [str(out_dir)],
                work_dir=out_dir,
                log_name=TRAIN_LOG_FILE,
                timeout_s=self.timeout_s,
                memory_limit_gb=self.memory_limit_gb,
                env=pin_env(job.device),
                on_message=on_message,
                final_message="result",
                on_start=rungs.started,
            )
        )
        rungs.worker = worker
        try:
            outcome = await worker
        except asyncio.CancelledError:
            if rungs.verdict is None or asyncio.current_task().cancelling():
                raise  # cancelled from outside, not by a rung
            return rungs.stopped_result(time.perf_counter() - started)
        finally:
            await rungs.close()
        wall_s = time.perf_counter() - started
        if results and (outcome.returncode == 0 or outcome.lingered) and not outcome.violated_protocol:
            return sanitize_result(results[0], job, epochs_seen, wall_s)
        if outcome.violated_protocol:
            return failed_result(job, f"training {outcome.describe(self.timeout_s)}", wall_s)
        tail = log_tail(out_dir / TRAIN_LOG_FILE)
        # What ended the worker comes last: it is the error's headline, never a line the reward printed.
        message = (
            f"last log lines:\n{tail}\n" if tail else ""
        ) + f"training {outcome.describe(self.timeout_s)}"
        return failed_result(job, clip_text(message), wall_s)


class RungWatch:
    """One training's rungs: at each snapshot it reports, the worker is paused (SIGSTOP: it cannot refuse)
    while a clean process measures the snapshot and the judge decides; it then trains on from where it was, or
    a stop verdict cancels it."""

    def __init__(self, pool: DevicePool, job: TrainJob, judge: Judge | None):
        self.pool, self.job, self.judge = pool, job, judge
        self.epoch = 0  # the last epoch the worker reported
        self.finished = False  # the worker has sent its result: no rung stops it any more
        self.worker: asyncio.Task | None = None
        self.verdict: Verdict | None = None
        self.checks: dict[int, asyncio.Task] = {}
        self.group: int | None = None  # the worker's process group

    def started(self, pid: int) -> None:
        self.group = pid

    def signal(self, sig: signal.Signals) -> None:
        if self.group is not None:
            signal_group(self.group, sig)

    def reached(self, epoch) -> None:
        """The worker saved the snapshot of a rung (an epoch it was given, reported once)."""
        epoch = finite_or_none(epoch)
        if (
            self.judge
            and epoch is not None
            and int(epoch) in self.job.rungs
            and int(epoch) not in self.checks
        ):
            self.signal(signal.SIGSTOP)
            self.checks[int(epoch)] = asyncio.create_task(self._check(int(epoch)))

    async def _check(self, epoch: int) -> None:
        try:
            evaluation = await evaluate_job(
                self.job,
                None,
                timeout_s=self.pool.timeout_s,
                memory_limit_gb=self.pool.memory_limit_gb,
                rung=epoch,
            )
            verdict = await self.judge(epoch, evaluation["fitness"])
            if verdict["stop"] and not self.finished and self.worker and not self.worker.done():
                self.verdict = verdict
                self.signal(signal.SIGKILL)  # at once: nothing of it is kept
                self.worker.cancel()
        finally:
            self.signal(signal.SIGCONT)  # it trains on from where it was

    def stopped_result(self, wall_s: float) -> TrainResult:
        """The result of a training a rung stopped: its compute so far, and the verdict as its error."""
        cfg = ppo_config(self.job.task, self.job.ppo)
        result = failed_result(self.job, describe(self.verdict, cfg["max_epochs"]), wall_s)
        result.update(
            status="stopped_early",
            rung=self.verdict,
            epochs=self.epoch,
            env_steps=env_steps(cfg, self.epoch),
        )
        return result

    async def close(self) -> None:
        """Rung checks still running when the training ended are dropped."""
        for check in self.checks.values():
            check.cancel()
        await asyncio.gather(*self.checks.values(), return_exceptions=True)
