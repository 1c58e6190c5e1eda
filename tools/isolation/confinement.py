"""Confinement of worker processes, in layers, each active only where the platform allows it.

Layers, outermost first:

- **namespaces** (``unshare``: user, network, pid, mount): no network at all, no sight of
  or signals to any process outside the job, and every descendant dies with the worker;
- **landlock**: reads only of the Python installation, the project's code packages (never its root,
  runs/ or a .env beside them) and system libraries, writes only in the job directory, no TCP, no
  signals out of the sandbox;
- **limits** (always): scrubbed environment, job directory as cwd and home, memory,
  file-size and core caps set before exec (unraisable: the worker holds no privilege in
  the initial user namespace), death with the caller.

``python -m tools.isolation.confinement`` prints which layers are active here. Workers are started as
``[unshare ...] python -m tools.isolation.confinement MODULE ARGS``: the launcher applies Landlock
(before any untrusted code exists) and then runs MODULE as ``__main__``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import runpy
import signal
import subprocess
import sys
from pathlib import Path

from tools.isolation.landlock import LandlockError, abi_version, restrict

LAUNCHER = "tools.isolation.confinement"
WRITE_DIR_ENV = "EUREKA_WRITE_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The project's packages a worker may import; workers import them through a view of symlinks to them
#: (``code_view``), so the project root itself, with runs/ and whatever else a user keeps there, is never readable.
CODE_PACKAGES = ("sim", "tools", "configs", "prompts")
NAMESPACES = ["unshare", "--user", "--map-root-user", "--net", "--pid", "--mount", "--mount-proc", "--fork",
              "--kill-child"]  # fmt: skip
#: Variables a worker may inherit; everything else (API keys included) stays with the caller.
INHERITED_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "MUJOCO_GL", "PYOPENGL_PLATFORM", "CUDA_VISIBLE_DEVICES",
                 "OMP_NUM_THREADS", "MKL_NUM_THREADS")  # fmt: skip
#: System paths a Python + torch + MuJoCo worker reads (nothing else outside the job is visible).
SYSTEM_READ_PATHS = ("/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache", "/etc/localtime", "/proc", "/sys",
                     "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/nvidia0", "/dev/nvidiactl",
                     "/dev/nvidia-uvm", "/dev/dri")  # fmt: skip
#: POSIX semaphores (multiprocessing locks) need it; a private tmpfs when namespaces are active.
SHARED_MEMORY = "/dev/shm"
DEFAULT_FILE_LIMIT_BYTES = 1 << 30
PR_SET_PDEATHSIG = 1


@functools.cache
def namespaces_available() -> bool:
    """Whether unprivileged user, network, pid and mount namespaces work here (probed once)."""
    try:
        probe = subprocess.run([*NAMESPACES, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def active_layers() -> dict[str, bool]:
    """Which confinement layers workers get on this machine."""
    abi = abi_version()
    return {
        "static policy (always)": True,
        "scrubbed env, cwd, memory/file/time caps, die with caller (always)": True,
        "namespaces: no network, own pids and /dev/shm, descendants die with the worker": namespaces_available(),
        "landlock: file reads/writes confined to the job": abi >= 1,
        "landlock: no TCP connect/bind": abi >= 4,
        "landlock: no signals out of the sandbox": abi >= 6,
    }


def code_view(module: str) -> Path:
    """A directory of symlinks to the code packages and to ``module``'s own package (created once, idempotent):
    the workers' import path. It lives beside the project and is never written by a worker."""
    view = PROJECT_ROOT / ".code-view"
    view.mkdir(exist_ok=True)
    for package in {*CODE_PACKAGES, module.split(".")[0]}:
        link = view / package
        if not link.is_symlink():
            try:
                link.symlink_to(PROJECT_ROOT / package, target_is_directory=True)
            except FileExistsError:  # another orchestrator made it meanwhile
                pass
    return view


def command(module: str, args: list[str]) -> list[str]:
    """The argv that runs ``module`` confined."""
    prefix = NAMESPACES if namespaces_available() else []
    return [*prefix, sys.executable, "-m", LAUNCHER, module, *args]


def environment(work_dir: Path, extra: dict[str, str] | None = None, module: str = LAUNCHER) -> dict[str, str]:
    """A scrubbed environment: the job directory as home and temp, the code packages importable."""
    env = {k: os.environ[k] for k in INHERITED_ENV if k in os.environ}
    env.update({"HOME": str(work_dir), "TMPDIR": str(work_dir), "PYTHONPATH": str(code_view(module)),
                "PYTHONDONTWRITEBYTECODE": "1", WRITE_DIR_ENV: str(work_dir)})  # fmt: skip
    return {**env, **(extra or {})}


def limit_resources(memory_bytes: int | None, file_bytes: int = DEFAULT_FILE_LIMIT_BYTES):
    """A preexec function: hard caps on memory, file size and core dumps; die with the caller."""

    def apply() -> None:
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:  # Linux: a killed caller (kill -9) takes its workers with it
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass

    return apply


def read_paths(module: str = LAUNCHER) -> list[Path]:
    """What a worker may read: Python, its packages, the code view and the code packages, system libraries."""
    python = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    packages = {Path(p) for p in sys.path if p and Path(p).is_dir() and "site-packages" in p}
    interpreter = {Path(sys.executable).resolve().parent}
    view = code_view(module)
    code = {view} | {link.resolve() for link in view.iterdir()}
    return sorted(python | packages | interpreter | code | {Path(p) for p in SYSTEM_READ_PATHS})


def private_shared_memory() -> bool:
    """Mount a fresh tmpfs on /dev/shm (POSIX semaphores live there); only works in our mount namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.mount(b"tmpfs", SHARED_MEMORY.encode(), b"tmpfs", 0, b"size=64m,mode=1777") == 0


def confine_files(write_dir: Path, module: str = LAUNCHER) -> None:
    """Apply Landlock to this process: read the installation, write only ``write_dir`` and /dev/shm."""
    try:
        restrict(read_paths(module), [write_dir, Path(SHARED_MEMORY)])
    except LandlockError as exc:
        if exc.errno:  # Landlock exists but refused: a sandbox we promised is missing, so stop
            raise
        # No Landlock on this kernel: the static policy and the other layers still hold.


def main() -> None:
    """``python -m tools.isolation.confinement MODULE ARGS``: confine, then run MODULE; no args: report."""
    if len(sys.argv) < 2:
        for layer, active in active_layers().items():
            print(f"{'active  ' if active else 'inactive'}  {layer}")
        return
    module, sys.argv = sys.argv[1], [sys.argv[1], *sys.argv[2:]]
    private_shared_memory()
    confine_files(Path(os.environ[WRITE_DIR_ENV]), module)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
