"""A child for the escape probes: ``python -m tests.tools.isolation.escape_child OUTSIDE_DIR PID PORT``.

Plain Python that got past the static policy tries every way out the README's table lists (a file outside its
job directory, another program, TCP to 127.0.0.1:PORT, the host's network interfaces, a signal to PID outside
the job) and what it still needs (its own interpreter, a library in its job directory, the CPU topology).
It reports each attempt on the channel, in one ``probes`` message.
"""

import _ctypes
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys

from tests.tools.isolation.sandbox_child import attempt
from tools.isolation.channel import send


def run(argv: list[str]) -> int:
    """Run a program to its end; a refused exec raises, a program that ran gives its exit code."""
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=30).returncode


def execv_in_child(path: str) -> int:
    """``os.execv`` in a forked child, which exits 126 if the exec is refused."""
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(path, [path, "-c", "exit 0"])
        finally:
            os._exit(126)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code == 126:
        raise PermissionError(f"exec of {path} refused")
    return code


def copy_file(source: str, name: str) -> str:
    """Copy ``source`` into the job directory as ``name``, executable; its absolute path."""
    shutil.copy(source, name)
    os.chmod(name, 0o755)
    return os.path.abspath(name)


def main(outside: str, pid: str, port: str) -> None:
    send(
        {
            "type": "probes",
            "read_outside": attempt(lambda: len(open(os.path.join(outside, "secret.txt")).read())),
            "write_outside": attempt(lambda: open(os.path.join(outside, "planted.txt"), "w").write("x")),
            "exec_shell": attempt(lambda: run(["/bin/sh", "-c", "exit 0"])),
            "execv_shell": attempt(lambda: execv_in_child("/bin/sh")),
            "exec_shell_copy": attempt(lambda: run([copy_file("/bin/sh", "sh"), "-c", "exit 0"])),
            "connect": attempt(lambda: socket.create_connection(("127.0.0.1", int(port)), 2).close()),
            "list_interfaces": attempt(lambda: os.listdir("/sys/class/net")),
            "signal_outside": attempt(lambda: os.kill(int(pid), signal.SIGTERM)),
            "exec_python": attempt(lambda: run([sys.executable, "-c", "pass"])),
            "load_job_library": attempt(
                lambda: ctypes.CDLL(copy_file(_ctypes.__file__, "lib.so")) is not None
            ),
            "read_cpu_topology": attempt(lambda: open("/sys/devices/system/cpu/online").read().strip()),
        }
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
