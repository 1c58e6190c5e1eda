"""Isolated execution: run a Python module in its own process group with time and memory caps.

Used for everything that executes untrusted reward code (training, dry runs). A
reward that loops, leaks memory or segfaults takes down only its own process.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import resource
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Grace period between SIGTERM and SIGKILL when stopping a process group.
TERM_GRACE_S = 3.0


@dataclass
class Outcome:
    """How an isolated process ended."""

    returncode: int
    timed_out: bool

    def describe(self, timeout_s: float | None) -> str:
        if self.timed_out:
            return f"timed out after {timeout_s:g} s and was stopped"
        if self.returncode < 0:
            name = signal.Signals(-self.returncode).name
            hint = " (likely out of memory)" if name == "SIGKILL" else ""
            return f"worker was killed by {name}{hint}"
        return f"worker exited with code {self.returncode}"


PR_SET_PDEATHSIG = 1


def _child_setup(limit_bytes: int | None):
    """Runs in the child before exec: cap its memory and make it die with its parent."""

    def apply() -> None:
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
        try:  # Linux: a killed caller (kill -9) takes its workers with it, no orphans
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass

    return apply


async def _stop_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still alive after the grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            await asyncio.wait_for(proc.wait(), TERM_GRACE_S)
            return
        except TimeoutError:
            continue


async def _pump(stream: asyncio.StreamReader, log, on_line: Callable[[str], None] | None) -> None:
    """Copy the child's output to its log, handing each line to ``on_line``."""
    while line := await stream.readline():
        log.write(line)
        log.flush()
        if on_line:
            on_line(line.decode(errors="replace"))


async def run_module(
    module: str,
    args: list[str],
    *,
    log_path: Path,
    timeout_s: float | None = None,
    memory_limit_gb: float | None = None,
    env: dict[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Outcome:
    """Run ``python -m module *args`` isolated; stdout/stderr go to ``log_path`` (and ``on_line``).

    Cancelling the awaiting task stops the process group before re-raising.
    """
    limit = int(memory_limit_gb * 2**30) if memory_limit_gb else None
    project_root = str(Path(__file__).resolve().parent.parent)
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [project_root, child_env.get("PYTHONPATH")]))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env=child_env, start_new_session=True, preexec_fn=_child_setup(limit),
        )  # fmt: skip
        pump = asyncio.create_task(_pump(proc.stdout, log, on_line))
        try:
            returncode = await asyncio.wait_for(proc.wait(), timeout_s)
            outcome = Outcome(returncode, timed_out=False)
        except TimeoutError:
            await _stop_group(proc)
            outcome = Outcome(proc.returncode if proc.returncode is not None else -9, timed_out=True)
        except asyncio.CancelledError:
            await asyncio.shield(_stop_group(proc))
            pump.cancel()
            raise
        try:
            await asyncio.wait_for(pump, TERM_GRACE_S)  # the rest of the output, up to EOF
        except TimeoutError:
            pass
        return outcome
