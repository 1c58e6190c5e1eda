"""The local device pool: training slots per device, queued jobs, cancellation and timeouts."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

from tools.files import write_json_atomic
from tools.jobs import (
    LOG_FILE,
    PROGRESS_PREFIX,
    RESULT_FILE,
    TrainJob,
    TrainResult,
    failed_result,
)
from tools.sandbox import run_module

WORKER_MODULE = "tools.train_worker"


def parse_devices(spec: str | list[str]) -> list[str]:
    """``"cpu"``, ``"cuda:0,cuda:1"`` or a list -> validated device names."""
    devices = [d.strip() for d in (spec.split(",") if isinstance(spec, str) else spec) if d.strip()]
    for device in devices:
        if device != "cpu" and not (device.startswith("cuda:") and device[5:].isdigit()):
            raise ValueError(f"bad device {device!r}: use 'cpu' or 'cuda:N'")
    if not devices:
        raise ValueError("the device pool needs at least one device")
    return devices


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


class DevicePool:
    """Runs TrainJobs in worker subprocesses, ``trainers_per_device`` at a time on each device.

    ``await pool.run(job)`` waits for a free slot (FIFO), trains, and returns the result.
    Cancelling the awaiting task stops the job's process. Jobs longer than ``timeout_s``
    are stopped and reported as failed.
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

    async def run(self, job: TrainJob, on_progress: Callable[[dict], None] | None = None) -> TrainResult:
        """Train ``job``; ``on_progress`` gets {epoch, max_epochs, fitness} after every epoch."""
        device = await self.slots.get()
        try:
            return await self._train_on(device, job, on_progress)
        finally:
            self.slots.put_nowait(device)

    async def _train_on(
        self, device: str, job: TrainJob, on_progress: Callable[[dict], None] | None
    ) -> TrainResult:
        job.device = device
        out_dir = Path(job.out_dir)
        (out_dir / RESULT_FILE).unlink(missing_ok=True)
        job.write()
        started = time.time()

        def on_line(line: str) -> None:
            if on_progress and line.startswith(PROGRESS_PREFIX):
                on_progress(json.loads(line.removeprefix(PROGRESS_PREFIX)))

        outcome = await run_module(
            WORKER_MODULE, [str(out_dir)], log_path=out_dir / LOG_FILE, timeout_s=self.timeout_s,
            memory_limit_gb=self.memory_limit_gb, on_line=on_line,
        )  # fmt: skip
        finished = time.time()
        result_path = out_dir / RESULT_FILE
        if outcome.returncode == 0 and result_path.exists():
            result: TrainResult = json.loads(result_path.read_text())
        else:
            message = f"training {outcome.describe(self.timeout_s)}"
            tail = log_tail(out_dir / LOG_FILE)
            result = failed_result(
                job, message + (f"\nlast log lines:\n{tail}" if tail else ""), finished - started
            )
        result.update(started_at=started, finished_at=finished)
        write_json_atomic(result_path, result)
        return result
