"""The worker's memory cap (tools/isolation/memory.py): which mechanism a machine gives, read from a FAKE
cgroup v2 tree, and, for real in a child process, that RLIMIT_DATA counts the memory a worker uses and never
the address space it reserves (CUDA reserves tens of GB of it when it starts)."""

import subprocess
import sys

import pytest

from tools.isolation.memory import MemoryCap, cgroup2_mount, delegated_parent, mechanism

#: A PROT_NONE reservation, as CUDA makes at start: address space, no memory.
RESERVE = (
    "import mmap; mmap.mmap(-1, 64 << 30, prot=0, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS); "
    "print('reserved')"
)
HOARD = "bytearray(3 << 30)"


def fake_cgroups(tmp_path, own: str, controllers: str):
    """A cgroup v2 hierarchy with this process in ``own``, whose parent gives it ``controllers``."""
    mount = tmp_path / "cgroup"
    here = mount / own.strip("/")
    here.mkdir(parents=True)
    (here / "cgroup.controllers").write_text(f"{controllers}\n")
    (here.parent / "cgroup.procs").touch()
    return mount


def test_the_hierarchy_is_the_whole_cgroup2_mount():
    mountinfo = "\n".join(
        [
            "35 24 0:30 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory",
            # a subtree bound elsewhere
            "40 24 0:35 /sub /mnt/bound rw,relatime shared:20 - cgroup2 cgroup2 rw",
            "36 24 0:31 / /sys/fs/cgroup/unified rw,relatime shared:15 - cgroup2 cgroup2 rw",
        ]
    )
    assert str(cgroup2_mount(mountinfo)) == "/sys/fs/cgroup/unified"
    assert cgroup2_mount(mountinfo.splitlines()[0]) is None  # cgroup v1 only


def test_workers_get_cgroups_beside_this_process_only_where_its_parent_runs_the_memory_controller(tmp_path):
    delegated = fake_cgroups(tmp_path / "a", "/user.slice/user@1000.service/run.scope", "cpu memory pids")
    assert delegated_parent(delegated, "/user.slice/user@1000.service/run.scope") == (
        delegated / "user.slice/user@1000.service"
    )
    no_memory = fake_cgroups(tmp_path / "b", "/user.slice/run.scope", "cpu pids")
    assert delegated_parent(no_memory, "/user.slice/run.scope") is None
    at_the_root = fake_cgroups(tmp_path / "c", "/", "memory")  # e.g. a container's own cgroup namespace
    assert delegated_parent(at_the_root, "/") is None
    assert mechanism().split(":")[0] in ("cgroup v2 memory.max", "RLIMIT_DATA")  # this machine's, either way


def test_a_workers_cgroup_is_made_capped_joined_read_and_removed(tmp_path):
    """The plumbing, on a FAKE tree (plain files where the kernel has interface files: nothing enforced)."""
    parent = fake_cgroups(tmp_path, "/slice/run.scope", "memory") / "slice"
    cap = MemoryCap(2 << 30, parent)
    subprocess.run([sys.executable, "-c", "pass"], preexec_fn=cap.apply, check=True)
    assert cap.cgroup.parent == parent and (cap.cgroup / "memory.max").read_text() == str(2 << 30)
    assert (cap.cgroup / "cgroup.procs").read_text() == "0"  # the child moved itself in before exec
    assert not cap.exceeded()
    (cap.cgroup / "memory.events").write_text("low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n")
    assert cap.exceeded()
    for interface in cap.cgroup.iterdir():  # the kernel removes its interface files with the directory
        interface.unlink()
    cap.release()
    assert not cap.cgroup.exists()


@pytest.mark.parametrize("program, outcome", [(RESERVE, "reserved"), (HOARD, "MemoryError")])
def test_rlimit_data_counts_memory_used_never_address_space_reserved(program, outcome):
    """The same 2 GB cap (RLIMIT_DATA: no cgroup given) lets a 64 GB reservation through and stops a 3 GB
    allocation inside the program, with its own error."""
    cap = MemoryCap(2 << 30)
    done = subprocess.run(
        [sys.executable, "-c", program], preexec_fn=cap.apply, capture_output=True, text=True
    )
    assert outcome in done.stdout + done.stderr
