"""What this kernel lets an unprivileged process do, probed directly (raw Landlock syscalls, ``unshare``),
with none of tools.isolation's code: the "as reported" tests check ``active_layers()`` against it, so a
wrong report cannot make them expect an escape."""

from __future__ import annotations

import subprocess
import sys

#: A child that restricts itself with one Landlock right (files: reading; tcp: connecting; signals: scoped)
#: and tries that one thing: "refused" only when Landlock stopped it.
LANDLOCK_CHILD = """
import ctypes, os, socket, sys
what = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
class Ruleset(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]
rights = {"files": (Ruleset(1 << 2, 0, 0), 8), "tcp": (Ruleset(0, 1 << 1, 0), 16),
          "signals": (Ruleset(0, 0, 1 << 1), 24)}
ruleset, size = rights[what]
fd = libc.syscall(444, ctypes.byref(ruleset), ctypes.c_size_t(size), 0)
if fd < 0 or libc.prctl(38, 1, 0, 0, 0) or libc.syscall(446, fd, 0):
    sys.exit(print("unsupported"))
try:
    if what == "files":
        open(sys.executable, "rb").close()
    elif what == "tcp":
        socket.create_connection(("127.0.0.1", 1), timeout=5).close()
    else:
        os.kill(os.getppid(), 0)
    print("allowed")
except PermissionError:
    print("refused")
except OSError:
    print("allowed")  # not Landlock's refusal (nothing listens on port 1)
"""


def landlock_refuses(what: str) -> bool:
    """Whether a process confined by raw Landlock syscalls is refused ``what``: files, tcp or signals."""
    child = subprocess.run(
        [sys.executable, "-c", LANDLOCK_CHILD, what], capture_output=True, text=True, timeout=60
    )
    return child.stdout.strip() == "refused"


def namespaces_work() -> bool:
    """Whether an unprivileged process gets its own user, network, pid and mount namespaces here."""
    try:
        child = subprocess.run(
            [
                "unshare",
                "--user",
                "--map-root-user",
                "--net",
                "--pid",
                "--fork",
                "--mount",
                "--mount-proc",
                "true",
            ],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return child.returncode == 0
