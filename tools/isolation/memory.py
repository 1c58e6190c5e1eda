"""A worker's memory cap: the memory it uses, never the address space it reserves.

CUDA reserves far more address space than any cap when it starts, so RLIMIT_AS (which counts it) fails
``torch.cuda`` initialisation. The cap is one of, in this order:

- **cgroup v2 memory.max**, where this process may make cgroups beside its own (the parent cgroup is
  writable and runs the memory controller: a delegated subtree). Each worker gets its own cgroup, which
  holds it and all it starts; over the cap the kernel's OOM killer ends the worker, and ``memory.events``
  says so.
- **RLIMIT_DATA** elsewhere (Linux >= 4.7): the private writable memory a process maps, heap and tensors
  included; never PROT_NONE reservations, shared (device) mappings or library code. An allocation over
  it fails inside the program: ``MemoryError``, or torch's ``Cannot allocate memory``.

``mechanism()`` names the one workers get here; ``python -m tools.isolation.confinement`` prints it.
"""

from __future__ import annotations

import functools
import itertools
import os
import resource
from pathlib import Path

WORKER_PREFIX = "eureka-worker-"
#: Set in a worker's cgroup beside memory.max where the kernel has them: no swap beyond the cap, and one
#: OOM kill ends the whole worker.
CGROUP_EXTRAS = {"memory.swap.max": "0", "memory.oom.group": "1"}
_workers = itertools.count()


def cgroup2_mount(mountinfo: str) -> Path | None:
    """The mount point of the whole cgroup v2 hierarchy (its root, not a bind-mounted subtree), from
    /proc/self/mountinfo's text."""
    for line in mountinfo.splitlines():
        fields = line.split()
        if "-" in fields and fields[fields.index("-") + 1] == "cgroup2" and fields[3] == "/":
            return Path(fields[4])
    return None


def delegated_parent(mount: Path, own: str) -> Path | None:
    """Where workers' cgroups can be made, or None: the parent of this process's cgroup ``own`` (a path under
    ``mount``), if it runs the memory controller for its children and this process may write it."""
    here = mount / own.strip("/")
    if here == mount:  # the root of the hierarchy, or of this process's cgroup namespace: no sibling to make
        return None
    try:
        controllers = (here / "cgroup.controllers").read_text().split()
    except OSError:
        return None
    parent = here.parent
    writable = os.access(parent, os.W_OK) and os.access(parent / "cgroup.procs", os.W_OK)
    return parent if "memory" in controllers and writable else None


@functools.cache
def worker_cgroups() -> Path | None:
    """``delegated_parent`` of this process (probed once)."""
    try:
        mount = cgroup2_mount(Path("/proc/self/mountinfo").read_text())
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    own = next((line[3:] for line in lines if line.startswith("0::")), None)
    return delegated_parent(mount, own) if mount and own else None


def mechanism() -> str:
    """Which cap workers get here, in one line."""
    parent = worker_cgroups()
    if parent:
        return f"cgroup v2 memory.max: a cgroup per worker under {parent}"
    return "RLIMIT_DATA: no cgroup v2 memory controller is delegated to this process"


class MemoryCap:
    """One worker's cap of ``limit`` bytes (None: none): its own cgroup under ``parent`` where one is given,
    else RLIMIT_DATA. ``apply`` runs in the worker before exec, ``release`` once its process group is gone."""

    def __init__(self, limit: int | None, parent: Path | None = None):
        self.limit = limit
        self.cgroup = parent / f"{WORKER_PREFIX}{os.getpid()}-{next(_workers)}" if limit and parent else None

    def apply(self) -> None:
        if not self.limit:
            return
        if self.cgroup is None:
            resource.setrlimit(resource.RLIMIT_DATA, (self.limit, self.limit))
            return
        self.cgroup.mkdir()
        (self.cgroup / "memory.max").write_text(str(self.limit))
        for name, value in CGROUP_EXTRAS.items():
            if (self.cgroup / name).exists():
                (self.cgroup / name).write_text(value)
        (self.cgroup / "cgroup.procs").write_text("0")  # 0: the writing process, the worker-to-be

    def exceeded(self) -> bool:
        """Whether the kernel killed the worker for going over the cap (cgroup only: RLIMIT_DATA refuses the
        allocation instead, in the program's own traceback)."""
        try:
            events = (self.cgroup / "memory.events").read_text().split() if self.cgroup else []
        except OSError:
            return False
        counts = dict(zip(events[::2], events[1::2], strict=False))
        return int(counts.get("oom_kill", "0")) > 0

    def release(self) -> None:
        if self.cgroup:
            try:
                self.cgroup.rmdir()
            except OSError:
                pass  # never made (the worker did not start), or already gone


def memory_cap(limit: int | None) -> MemoryCap:
    """The cap of one worker on this machine."""
    return MemoryCap(limit, worker_cgroups())
