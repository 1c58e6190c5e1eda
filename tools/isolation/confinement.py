"""Confinement of worker processes, in layers, each active only where the platform allows it.

Layers, outermost first:

- **namespaces** (``unshare``: user, network, pid, mount): no network at all, no sight of
  or signals to any process outside the job, and every descendant dies with the worker;
- **landlock**: reads only of the Python installation, the project's code packages (never its root,
  runs/ or a .env beside them), system libraries and the CPU and GPU part of /sys (never the host's
  network interfaces), writes only in the job directory (and /dev/null), read, write and ioctl on the NVIDIA
  device nodes that exist at launch (CUDA's: ``nvidia_nodes``), no program run but Python itself (and the clip
  worker's ffmpeg), no TCP, no signals out of the sandbox;
- **limits** (always): scrubbed environment, job directory as cwd and home, a memory cap that counts
  memory used, never address space reserved (``tools.isolation.memory``), file-size and core caps set
  before exec (unraisable: the worker holds no privilege in the initial user namespace), death with the
  caller.

``python -m tools.isolation.confinement`` prints which layers are active here, the memory cap and the GPU
device nodes a worker may use. Workers are started as
``[unshare ...] python -I -B -c BOOTSTRAP CODE_VIEW MODULE ARGS``: isolated, so the launcher that runs first
is the installed one, never a file planted in the job directory; it applies Landlock (before any untrusted
code exists) and then runs MODULE as ``__main__``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
import resource
import runpy
import shutil
import signal
import struct
import subprocess
import sys
from pathlib import Path

from tools.isolation.landlock import DEVICE, EXECUTE, READ, READ_WRITE, LandlockError, abi_version, restrict
from tools.isolation.memory import MemoryCap, mechanism

LAUNCHER = "tools.isolation.confinement"
WRITE_DIR_ENV = "EUREKA_WRITE_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The project's packages a worker may import; workers import them through a view of symlinks to them
#: (``code_view``), so the project root itself, with runs/ and whatever else a user keeps there,
#: is never readable.
CODE_PACKAGES = ("sim", "tools", "configs", "prompts")
NAMESPACES = [
    "unshare",
    "--user",
    "--map-root-user",
    "--net",
    "--pid",
    "--mount",
    "--mount-proc",
    "--fork",
    "--kill-child",
]
#: Variables a worker may inherit; everything else (API keys included) stays with the caller.
INHERITED_ENV = (
    "PATH",
    "LANG",
    "LC_ALL",
    "TZ",
    "MUJOCO_GL",
    "PYOPENGL_PLATFORM",
    "CUDA_VISIBLE_DEVICES",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)
#: System paths a Python + torch + MuJoCo worker reads (nothing else outside the job is visible). Of /sys
#: only the CPU and NUMA topology and the list of PCI addresses (and each NVIDIA GPU's own directory:
#: ``gpu_devices``): never /sys/class/net or the devices behind it, so the host's network interfaces
#: stay unseen. CUDA's device nodes get their own rule (``nvidia_nodes``).
SYSTEM_READ_PATHS = (
    "/usr",
    "/lib",
    "/lib64",
    "/bin",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/proc",
    "/sys/devices/system",
    "/sys/bus/pci/devices",
    "/dev/zero",
    "/dev/urandom",
    "/dev/random",
    "/dev/dri",
)
PCI_DEVICES, NVIDIA_VENDOR = Path("/sys/bus/pci/devices"), "0x10de"
DEV = Path("/dev")
#: The NVIDIA driver's nodes in /dev: each GPU's, control, UVM (and its tools node), modeset; and every
#: node in /dev/nvidia-caps (MIG and other capabilities).
NVIDIA_NODE, NVIDIA_CAPS = re.compile(r"nvidia(\d+|ctl|-uvm|-uvm-tools|-modeset)"), "nvidia-caps"
PT_INTERP = 3
#: The ffmpeg the clip worker encodes with, named by its caller (tools/clip.py): the one program besides
#: Python a worker may run.
FFMPEG_ENV = "IMAGEIO_FFMPEG_EXE"
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
        "namespaces: no network, own pids and /dev/shm, "
        "descendants die with the worker": namespaces_available(),
        "landlock: file reads/writes confined to the job": abi >= 1,
        "landlock: no TCP connect/bind": abi >= 4,
        "landlock: no signals out of the sandbox": abi >= 6,
    }


def code_view(module: str) -> Path:
    """A directory of symlinks to the code packages and to ``module``'s own package (created once,
    idempotent): the workers' import path. It lives beside the project and is never written by a worker."""
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


#: The first code a worker runs: the interpreter starts isolated (``-I``: neither the job directory, which is
#: its cwd and which an earlier worker of the same candidate could write, nor any PYTHON* variable reaches
#: sys.path), puts the code view first on the path and hands over to this launcher.
BOOTSTRAP = f"import sys; sys.path.insert(0, sys.argv.pop(1)); from {LAUNCHER} import main; main()"


def command(module: str, args: list[str]) -> list[str]:
    """The argv that runs ``module`` confined, importing only the installation and the code view."""
    prefix = NAMESPACES if namespaces_available() else []
    return [*prefix, sys.executable, "-I", "-B", "-c", BOOTSTRAP, str(code_view(module)), module, *args]


def environment(work_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A scrubbed environment: the job directory as home and temp (the interpreter ignores PYTHON* anyway)."""
    env = {k: os.environ[k] for k in INHERITED_ENV if k in os.environ}
    env.update({"HOME": str(work_dir), "TMPDIR": str(work_dir), WRITE_DIR_ENV: str(work_dir)})
    return {**env, **(extra or {})}


def limit_resources(memory: MemoryCap, file_bytes: int = DEFAULT_FILE_LIMIT_BYTES):
    """A preexec function: the memory cap, hard caps on file size and core dumps; die with the caller."""

    def apply() -> None:
        memory.apply()
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
    system = {Path(p) for p in SYSTEM_READ_PATHS} | gpu_devices()
    return sorted(python | packages | interpreter | code | system)


def gpu_devices() -> set[Path]:
    """The sysfs directories of the NVIDIA PCI devices (CUDA reads their attributes), no other device's."""
    found = set()
    for device in PCI_DEVICES.glob("*"):
        try:
            if (device / "vendor").read_text().strip() == NVIDIA_VENDOR:
                found.add(device.resolve())
        except OSError:
            continue
    return found


def nvidia_nodes(dev: Path = DEV) -> set[Path]:
    """The NVIDIA device nodes that exist in ``dev`` now (none without the driver): CUDA opens them
    read-write and drives them by ioctl. A worker pinned to one GPU still opens the control and UVM nodes."""
    caps = dev / NVIDIA_CAPS
    nodes = {path for path in dev.glob("nvidia*") if NVIDIA_NODE.fullmatch(path.name)}
    return nodes | (set(caps.iterdir()) if caps.is_dir() else set())


def elf_loader(binary: Path) -> set[Path]:
    """The dynamic loader a 64-bit little-endian ELF binary names (PT_INTERP): execve opens it to run too."""
    with open(binary, "rb") as f:
        header = f.read(64)
        if header[:6] != b"\x7fELF\x02\x01":
            return set()
        (table,), (size, count) = struct.unpack_from("<Q", header, 32), struct.unpack_from("<HH", header, 54)
        for i in range(count):
            f.seek(table + i * size)
            kind, _, offset, _, _, length = struct.unpack("<IIQQQQ", f.read(40))
            if kind == PT_INTERP:
                f.seek(offset)
                return {Path(f.read(length).rstrip(b"\0").decode()).resolve()}
    return set()


def executables() -> set[Path]:
    """What a worker may run: its own interpreter and the ffmpeg its caller named in FFMPEG_ENV, each with the
    loader that starts it. Any other program, /bin/sh or a copy in the job directory, is refused."""
    ffmpeg = os.environ.get(FFMPEG_ENV) and shutil.which(os.environ[FFMPEG_ENV])
    programs = {Path(program).resolve() for program in (sys.executable, ffmpeg) if program}
    return programs | {loader for program in programs for loader in elf_loader(program)}


def file_rules(write_dir: Path, module: str = LAUNCHER, dev: Path = DEV) -> dict[Path, int]:
    """Landlock's rules for a worker: read ``read_paths``, run only ``executables``, read, write and ioctl the
    ``nvidia_nodes`` in ``dev``, write (never run) only in ``write_dir``, /dev/shm and /dev/null."""
    rules = {path: READ for path in read_paths(module)}
    rules.update({path: READ | EXECUTE for path in executables()})
    rules.update({node: DEVICE for node in nvidia_nodes(dev)})
    return {**rules, write_dir: READ_WRITE, Path(SHARED_MEMORY): READ_WRITE, Path(os.devnull): READ_WRITE}


def private_shared_memory() -> bool:
    """Mount a fresh tmpfs on /dev/shm (POSIX semaphores live there); only works in our mount namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.mount(b"tmpfs", SHARED_MEMORY.encode(), b"tmpfs", 0, b"size=64m,mode=1777") == 0


def confine_files(write_dir: Path, module: str = LAUNCHER) -> None:
    """Apply Landlock to this process: ``file_rules``, no TCP, no signals out of the sandbox."""
    try:
        restrict(file_rules(write_dir, module))
    except LandlockError as exc:
        if exc.errno:  # Landlock exists but refused: a sandbox we promised is missing, so stop
            raise
        # No Landlock on this kernel: the static policy and the other layers still hold.


def main() -> None:
    """``python -m tools.isolation.confinement MODULE ARGS``: confine, then run MODULE; no args: report."""
    if len(sys.argv) < 2:
        for layer, active in active_layers().items():
            print(f"{'active  ' if active else 'inactive'}  {layer}")
        print(f"memory cap: {mechanism()}")
        nodes = " ".join(str(node) for node in sorted(nvidia_nodes()))
        print(f"GPU device nodes (read, write, ioctl): {nodes or 'none'}")
        return
    module, sys.argv = sys.argv[1], [sys.argv[1], *sys.argv[2:]]
    private_shared_memory()
    confine_files(Path(os.environ[WRITE_DIR_ENV]), module)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
