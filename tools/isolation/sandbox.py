"""Isolated execution: run a worker module confined, with time, memory and output caps.

Used for everything that executes untrusted reward code (training, dry runs) and for the
clean evaluation. The worker runs in its job directory under ``tools.isolation.confinement``; its
messages come back on a dedicated channel (``tools.isolation.channel``), its stdout and stderr go to
a size-capped log. A worker that loops, leaks memory, floods its output, forks, lingers
after its final message or segfaults takes down only itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tools.isolation.channel import CHANNEL_FD_ENV, MessageReader
from tools.isolation.confinement import command, environment, limit_resources
from tools.isolation.memory import memory_cap

#: Grace period between SIGTERM and SIGKILL when stopping a process group.
TERM_GRACE_S = 3.0
#: How long a worker may stay alive after its final message before it is ended.
LINGER_S = 5.0
#: The most of a worker's stdout and stderr kept in its log.
LOG_LIMIT_BYTES = 2 << 20
CHUNK = 1 << 16


@dataclass
class Outcome:
    """How an isolated process ended."""

    returncode: int
    timed_out: bool
    lingered: bool = False
    malformed_messages: int = 0
    log_bytes_dropped: int = 0
    final_messages: int = 0  # messages of the final type: exactly one is the protocol
    over_budget_s: float | None = None  # stopped this long after it said it was ready (``run_for_message``)
    over_memory_cap: bool = False  # the kernel killed it for going over its cgroup's memory.max

    @property
    def violated_protocol(self) -> bool:
        """More than one final message: a worker that speaks twice is not believed once."""
        return self.final_messages > 1

    def describe(self, timeout_s: float | None) -> str:
        if self.violated_protocol:
            return (
                f"sent {self.final_messages} final messages where the protocol allows one, "
                "and nothing it sent is believed"
            )
        if self.over_budget_s is not None:
            return f"timed out: the program ran over its budget of {self.over_budget_s:g} s and was stopped"
        if self.timed_out:
            return f"timed out after {timeout_s:g} s and was stopped"
        if self.returncode < 0:
            name = signal.Signals(-self.returncode).name
            if self.over_memory_cap:
                return f"worker was killed by {name}: out of memory, over its memory cap (cgroup memory.max)"
            hint = " (likely out of memory)" if name == "SIGKILL" else ""
            return f"worker was killed by {name}{hint}"
        return f"worker exited with code {self.returncode}"


async def _stop_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still alive after the grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            async with asyncio.timeout(TERM_GRACE_S):  # not wait_for: on 3.11 it can swallow a cancellation
                await proc.wait()
            return
        except TimeoutError:
            continue


def _live_members(pgid: int) -> list[int]:
    """PIDs of the processes of group ``pgid`` that have not exited yet (zombies excluded)."""
    members = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] not in "ZX":
            members.append(int(entry))
    return members


async def _wait_group_gone(pgid: int, timeout_s: float) -> None:
    """Wait until every process of a killed group has exited: SIGKILL is delivered, not yet done."""
    if not Path("/proc/self/stat").exists():
        return
    async with asyncio.timeout(timeout_s):
        while _live_members(pgid):
            await asyncio.sleep(0.02)


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to a worker's process group (its pid: ``run_module``'s ``on_start``);
    gone already is fine."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class _CappedLog:
    """Appends output to a file up to a byte limit, then counts what it drops."""

    def __init__(self, path: Path, limit: int):
        # Never through a symlink a worker of an earlier run planted at this name.
        self.file = os.fdopen(
            os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644), "ab"
        )
        self.room, self.dropped = limit, 0

    def write(self, data: bytes) -> None:
        kept = data[: max(self.room, 0)]
        self.file.write(kept)
        self.file.flush()
        self.room -= len(kept)
        self.dropped += len(data) - len(kept)

    def close(self) -> None:
        if self.dropped:
            self.file.write(f"\n[log capped: {self.dropped} more bytes of output dropped]\n".encode())
        self.file.close()


async def _copy(stream: asyncio.StreamReader, sink: Callable[[bytes], None]) -> None:
    while chunk := await stream.read(CHUNK):
        sink(chunk)


async def _read_channel(fd: int, reader: MessageReader) -> None:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=CHUNK)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(stream), os.fdopen(fd, "rb", buffering=0)
    )
    try:
        await _copy(stream, reader.feed)
    finally:
        transport.close()


async def run_module(
    module: str,
    args: list[str],
    *,
    work_dir: Path,
    log_name: str,
    timeout_s: float | None = None,
    memory_limit_gb: float | None = None,
    env: dict[str, str] | None = None,
    on_message: Callable[[dict], None] | None = None,
    final_message: str | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Outcome:
    """Run ``python -m module *args`` confined in ``work_dir``; its log is ``work_dir/log_name``.

    ``on_message`` gets every well-formed channel message. Once a message of type
    ``final_message`` has arrived, the worker has LINGER_S to exit before it is stopped.
    Cancelling the awaiting task stops the process group before re-raising. Paths in
    ``args`` must be absolute: the worker's cwd is ``work_dir``. ``on_start`` gets the worker's pid, which
    is also its process group's id.
    """
    work_dir = Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    cap = memory_cap(int(memory_limit_gb * 2**30) if memory_limit_gb else None)
    finished = asyncio.Event()
    finals = 0

    def deliver(message: dict) -> None:
        nonlocal finals
        if message["type"] == final_message:
            finals += 1
            finished.set()
        if on_message:
            on_message(message)

    reader = MessageReader(deliver)
    channel_read, channel_write = os.pipe()
    log = _CappedLog(work_dir / log_name, LOG_LIMIT_BYTES)
    try:
        proc = await asyncio.create_subprocess_exec(
            *command(module, args),
            cwd=work_dir,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=environment(work_dir, {**(env or {}), CHANNEL_FD_ENV: str(channel_write)}),
            pass_fds=(channel_write,),
            start_new_session=True,
            preexec_fn=limit_resources(cap),
        )
    except BaseException:
        cap.release()
        raise
    finally:
        os.close(channel_write)
    if on_start:
        on_start(proc.pid)
    readers = [
        asyncio.create_task(_copy(proc.stdout, log.write)),
        asyncio.create_task(_read_channel(channel_read, reader)),
    ]
    outcome = Outcome(0, timed_out=False)
    try:
        outcome = await _supervise(proc, finished, timeout_s)
    except asyncio.CancelledError:
        await asyncio.shield(_stop_group(proc))
        raise
    finally:
        signal_group(
            proc.pid, signal.SIGKILL
        )  # whatever is left of the group (descendants that outlived it) dies
        with contextlib.suppress(TimeoutError):
            await asyncio.shield(_wait_group_gone(proc.pid, TERM_GRACE_S))
        done, pending = await asyncio.wait(readers, timeout=TERM_GRACE_S)
        for task in pending:
            task.cancel()
        log.close()
        outcome.malformed_messages, outcome.log_bytes_dropped = reader.malformed, log.dropped
        outcome.final_messages = finals
        outcome.over_memory_cap = cap.exceeded()
        cap.release()
    return outcome


#: The message a worker sends once its own set-up is done and untrusted code is about to run
#: (``ready_budget_s``).
READY = "ready"


async def run_for_message(
    module: str,
    work_dir: Path,
    log_name: str,
    message_type: str,
    *,
    timeout_s: float | None,
    memory_limit_gb: float | None,
    env: dict[str, str] | None = None,
    ready_budget_s: float | None = None,
) -> tuple[dict | None, Outcome]:
    """Run a worker on ``work_dir`` for its one ``message_type`` message (None if it never came, or came more
    than once: ``outcome.describe`` says which). With ``ready_budget_s``, the worker is stopped that long
    after its first READY message: its slot is free again however slow the code it runs after set-up."""
    work_dir = Path(work_dir).resolve()
    messages: list[dict] = []
    loop, group, budget, spent = asyncio.get_running_loop(), [], [], []

    def stop() -> None:
        spent.append(True)
        signal_group(group[0], signal.SIGKILL)

    def on_message(message: dict) -> None:
        messages.append(message)
        if message["type"] == READY and ready_budget_s and not budget and group:
            budget.append(loop.call_later(ready_budget_s, stop))

    try:
        outcome = await run_module(
            module,
            [str(work_dir)],
            work_dir=work_dir,
            log_name=log_name,
            timeout_s=timeout_s,
            memory_limit_gb=memory_limit_gb,
            env=env,
            on_message=on_message,
            final_message=message_type,
            on_start=group.append,
        )
    finally:
        for timer in budget:
            timer.cancel()
    finals = [m for m in messages if m["type"] == message_type]
    if spent and not finals:
        outcome.over_budget_s = ready_budget_s
    return (finals[0] if len(finals) == 1 else None), outcome


async def _supervise(
    proc: asyncio.subprocess.Process, finished: asyncio.Event, timeout_s: float | None
) -> Outcome:
    """Wait for the worker to exit, stopping it on timeout or when it lingers after its final message."""
    exited = asyncio.create_task(proc.wait())
    final = asyncio.create_task(finished.wait())
    try:
        done, _ = await asyncio.wait({exited, final}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            await _stop_group(proc)
            return Outcome(proc.returncode if proc.returncode is not None else -9, timed_out=True)
        if exited not in done:
            # asyncio.wait, not wait_for: on Python 3.11 wait_for drops a cancellation (Ctrl-C) that arrives
            # as the worker exits, and the run would go on as if nobody had asked it to stop.
            await asyncio.wait({exited}, timeout=LINGER_S)
            if not exited.done():
                await _stop_group(proc)
                return Outcome(0, timed_out=False, lingered=True)
        return Outcome(proc.returncode, timed_out=False)
    finally:
        for task in (exited, final):
            if not task.done():
                task.cancel()
