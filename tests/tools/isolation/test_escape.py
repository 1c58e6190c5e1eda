"""A worker that got past the static policy, probed from inside (tests/tools/isolation/escape_child.py): it
runs no program but its own interpreter, cannot list the host's network interfaces, and the README's table of
what a worker can and cannot do is what the probe finds. Each assertion is what the child saw, not what
active_layers() reports."""

import os
import socket
import subprocess

import pytest

from tools.isolation.confinement import PROJECT_ROOT, active_layers
from tools.isolation.landlock import abi_version
from tools.isolation.sandbox import run_module

CHILD = "tests.tools.isolation.escape_child"
#: The README table's rows (by how their first cell starts) and the probes behind each.
ROWS = {
    "read a file outside its job directory": ["read_outside"],
    "write a file outside its job directory": ["write_outside"],
    "run another program": ["exec_shell", "execv_shell", "exec_shell_copy"],
    "open a TCP connection": ["connect"],
    "list the host's network interfaces": ["list_interfaces"],
    "signal a process outside its job": ["signal_outside"],
    "start its own interpreter again": ["exec_python"],
    "load a library it wrote in its job directory": ["load_job_library"],
}
TABLE_HEADER = "| a worker tries to | outcome |"


def require(available: bool, reason: str) -> None:
    """Skip where a layer is missing, unless all must be there (.ci/run sets EUREKA_REQUIRE_LAYERS=all)."""
    if not available:
        if os.environ.get("EUREKA_REQUIRE_LAYERS") == "all":
            pytest.fail(f"{reason}, and EUREKA_REQUIRE_LAYERS=all")
        pytest.skip(reason)


async def probe(tmp_path) -> dict:
    """The child's report, run confined beside a secret file, a bystander process and a listening port."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("api key")
    bystander = subprocess.Popen(["sleep", "60"])
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    messages = []
    try:
        outcome = await run_module(
            CHILD,
            [str(outside), str(bystander.pid), str(server.getsockname()[1])],
            work_dir=tmp_path / "job",
            log_name="out.log",
            on_message=messages.append,
            timeout_s=60,
        )
        bystander_alive = bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
        server.close()
    assert outcome.returncode == 0 and len(messages) == 1, (tmp_path / "job" / "out.log").read_text()
    report = messages[0]
    # What the child says it did matches what it did:
    assert report["write_outside"].startswith("done") == (outside / "planted.txt").exists()
    assert report["signal_outside"].startswith("done") == (not bystander_alive)
    return report


async def test_a_worker_runs_its_own_interpreter_and_no_other_program(tmp_path):
    require(abi_version() >= 1, "Landlock is not available on this kernel")
    report = await probe(tmp_path)
    for attempt in ("exec_shell", "execv_shell", "exec_shell_copy"):
        assert report[attempt].startswith("refused"), (attempt, report[attempt])
    assert report["exec_python"] == "done: 0"  # the worker itself ran, and may start its interpreter again
    assert report["load_job_library"] == "done: True"  # Warp's kernels, compiled into the job, still load


async def test_a_worker_cannot_list_the_hosts_network_interfaces(tmp_path):
    require(abi_version() >= 1, "Landlock is not available on this kernel")
    assert os.listdir("/sys/class/net")  # the host has some, and its processes can list them
    report = await probe(tmp_path)
    assert report["list_interfaces"].startswith("refused"), report["list_interfaces"]
    assert report["read_cpu_topology"].startswith("done")  # torch's share of /sys is still there


def readme_table() -> dict[str, str]:
    """The README's table of what a worker can and cannot do: row label -> outcome (its first word)."""
    lines = (PROJECT_ROOT / "README.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == TABLE_HEADER) + 2
    table = {}
    for line in lines[start:]:
        if not line.strip().startswith("|"):
            break
        attempt, outcome = (cell.strip() for cell in line.strip().strip("|").split("|", 1))
        label = next((row for row in ROWS if attempt.startswith(row)), attempt)
        table[label] = outcome.split(":")[0].split()[0]
    return table


async def test_the_readme_table_of_what_a_worker_can_do_is_what_it_does(tmp_path):
    missing = [layer for layer, active in active_layers().items() if not active]
    require(not missing, f"the README's table is for every layer active; missing here: {missing}")
    report = await probe(tmp_path)
    found = {
        row: "refused" if all(report[p].startswith("refused") for p in probes) else "allowed"
        for row, probes in ROWS.items()
    }
    assert readme_table() == found
