"""Isolated execution of a module: output, exit status, time and memory caps, cancellation."""

import asyncio

import pytest

from tests.helpers import processes_mentioning
from tools.sandbox import run_module

CHILD = "tests.tools.sandbox_child"


async def test_output_goes_to_the_log_and_line_by_line_to_the_caller(tmp_path):
    lines = []
    outcome = await run_module(CHILD, ["lines"], log_path=tmp_path / "out.log", on_line=lines.append)
    assert outcome.returncode == 0 and not outcome.timed_out
    assert lines == ["line 0\n", "line 1\n", "line 2\n"]
    assert (tmp_path / "out.log").read_text() == "".join(lines)


@pytest.mark.parametrize(
    "mode, description",
    [("exit3", "worker exited with code 3"), ("segv", "worker was killed by SIGSEGV")],
)
async def test_how_a_process_ended_is_described(mode, description, tmp_path):
    outcome = await run_module(CHILD, [mode], log_path=tmp_path / "out.log")
    assert outcome.describe(None) == description


async def test_a_process_over_its_time_is_stopped(tmp_path):
    outcome = await run_module(CHILD, ["sleep", str(tmp_path)], log_path=tmp_path / "out.log", timeout_s=1)
    assert outcome.timed_out and outcome.describe(1) == "timed out after 1 s and was stopped"
    assert processes_mentioning(str(tmp_path)) == []


async def test_a_process_over_its_memory_cap_fails_alone(tmp_path):
    outcome = await run_module(CHILD, ["hog"], log_path=tmp_path / "out.log", memory_limit_gb=1)
    assert outcome.returncode != 0
    assert "MemoryError" in (tmp_path / "out.log").read_text()


async def test_cancelling_the_caller_stops_the_process(tmp_path):
    run = asyncio.create_task(run_module(CHILD, ["sleep", str(tmp_path)], log_path=tmp_path / "out.log"))
    for _ in range(50):
        await asyncio.sleep(0.1)
        if processes_mentioning(str(tmp_path)):
            break
    assert processes_mentioning(str(tmp_path)), "the child never started"
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert processes_mentioning(str(tmp_path)) == []
