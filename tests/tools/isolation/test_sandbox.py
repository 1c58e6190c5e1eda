"""Isolated execution of a worker module: channel, capped log, exit status, caps, containment layers.

The child (tests/tools/isolation/sandbox_child.py) is plain Python that escaped the static policy:
each test checks one layer of tools/isolation/confinement.py on its own.
"""

import asyncio
import os
import socket

import pytest

from tests.helpers import processes_mentioning
from tests.tools.isolation.direct_probe import landlock_refuses, namespaces_work
from tools.isolation.confinement import active_layers
from tools.isolation.sandbox import LOG_LIMIT_BYTES, _supervise, run_module

CHILD = "tests.tools.isolation.sandbox_child"


async def run_child(tmp_path, *args, **kw):
    messages = []
    outcome = await run_module(
        CHILD, list(args), work_dir=tmp_path / "job", log_name="out.log", on_message=messages.append, **kw
    )
    return outcome, messages


async def test_messages_come_on_the_channel_and_output_goes_to_the_log(tmp_path):
    outcome, messages = await run_child(tmp_path, "lines")
    assert outcome.returncode == 0 and not outcome.timed_out
    assert messages == [
        {"type": "progress", "epoch": 0},
        {"type": "progress", "epoch": 1},
        {"type": "progress", "epoch": 2},
        {"type": "done"},
    ]
    assert (tmp_path / "job" / "out.log").read_text() == "line 0\nline 1\nline 2\n"


async def test_long_lines_and_floods_of_output_are_capped_not_fatal(tmp_path):
    outcome, messages = await run_child(tmp_path, "flood")
    assert messages == [{"type": "done"}]
    log = tmp_path / "job" / "out.log"
    assert LOG_LIMIT_BYTES <= log.stat().st_size < LOG_LIMIT_BYTES + 200
    assert outcome.log_bytes_dropped > 8_000_000 and "[log capped:" in log.read_text()[-200:]


async def test_malformed_and_oversized_messages_are_counted_and_ignored(tmp_path):
    outcome, messages = await run_child(tmp_path, "forge")
    assert messages == [{"type": "done"}]
    assert outcome.malformed_messages == 4


@pytest.mark.parametrize(
    "mode, description",
    [("exit3", "worker exited with code 3"), ("segv", "worker was killed by SIGSEGV")],
)
async def test_how_a_process_ended_is_described(mode, description, tmp_path):
    outcome, _ = await run_child(tmp_path, mode)
    assert outcome.describe(None) == description


async def test_a_process_over_its_time_is_stopped(tmp_path):
    outcome, _ = await run_child(tmp_path, "sleep", str(tmp_path), timeout_s=2)
    assert outcome.timed_out and outcome.describe(2) == "timed out after 2 s and was stopped"
    assert processes_mentioning(str(tmp_path)) == []


async def test_a_process_over_its_memory_cap_fails_alone(tmp_path):
    outcome, _ = await run_child(tmp_path, "hog", memory_limit_gb=1)
    assert outcome.returncode != 0
    assert "MemoryError" in (tmp_path / "job" / "out.log").read_text()


async def test_a_worker_that_lingers_after_its_final_message_is_ended(tmp_path):
    outcome, messages = await run_child(tmp_path, "linger", final_message="done")
    assert messages == [{"type": "done"}] and outcome.lingered
    assert processes_mentioning(str(tmp_path / "job")) == []


async def test_descendants_in_a_new_session_die_with_the_job(tmp_path):
    marker = f"orphan-{os.getpid()}-{tmp_path.name}"
    outcome, messages = await run_child(tmp_path, "orphan", marker, final_message="done")
    assert messages[0]["type"] == "done"
    await asyncio.sleep(0.5)
    assert processes_mentioning(marker) == []


async def test_cancelling_the_caller_stops_the_process(tmp_path):
    run = asyncio.create_task(run_child(tmp_path, "sleep", str(tmp_path)))
    for _ in range(100):
        await asyncio.sleep(0.1)
        if processes_mentioning(str(tmp_path)):
            break
    assert processes_mentioning(str(tmp_path)), "the child never started"
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert processes_mentioning(str(tmp_path)) == []


class FakeExitingProcess:
    """FAKE process for failure injection: it exits when the test resolves ``exit_code``."""

    pid, returncode = -1, None

    def __init__(self, exit_code: asyncio.Future):
        self.exit_code = exit_code

    async def wait(self) -> int:
        self.returncode = await self.exit_code
        return self.returncode


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
async def test_a_cancellation_that_arrives_as_the_worker_exits_is_not_lost(turns):
    # Ctrl-C cancels the run while a worker that has sent its result is exiting: the loop turns between
    # the exit and the cancellation vary, and whenever cancel() was accepted the caller must end cancelled.
    exit_code = asyncio.get_running_loop().create_future()
    finished = asyncio.Event()
    finished.set()
    supervising = asyncio.create_task(_supervise(FakeExitingProcess(exit_code), finished, timeout_s=60))
    for _ in range(5):
        await asyncio.sleep(0)  # it waits for the exit now
    exit_code.set_result(0)
    for _ in range(turns):
        await asyncio.sleep(0)
    if supervising.cancel():
        with pytest.raises(asyncio.CancelledError):
            await supervising
    else:
        assert (await supervising).returncode == 0


async def test_the_network_is_out_of_reach_as_reported(tmp_path):
    layers = active_layers()
    namespaces = "namespaces: no network, own pids and /dev/shm, descendants die with the worker"
    reported = [layers[namespaces], layers["landlock: no TCP connect/bind"]]
    assert reported == [namespaces_work(), landlock_refuses("tcp")]  # the kernel's own answer
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        _, [report] = await run_child(tmp_path, "connect", str(server.getsockname()[1]))
    finally:
        server.close()
    blocked = (
        layers["namespaces: no network, own pids and /dev/shm, descendants die with the worker"]
        or layers["landlock: no TCP connect/bind"]
    )
    assert report["connect"].startswith("refused" if blocked else "done")
