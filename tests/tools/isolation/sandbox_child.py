"""A child program for the sandbox tests: ``python -m tests.tools.sandbox_child MODE [ARG]``.

It plays a worker that has escaped the static policy (plain Python, any module), so the
tests can check each confinement layer on its own. It reports what it managed on the channel.
"""

import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

from tools.isolation.channel import send


def attempt(action) -> str:
    try:
        return f"done: {action()}"
    except BaseException as exc:  # noqa: BLE001 - the outcome is the report
        return f"refused: {type(exc).__name__}"


def main(mode: str, arg: str = "") -> None:
    if mode == "lines":
        for i in range(3):
            print(f"line {i}", flush=True)
            send({"type": "progress", "epoch": i})
        send({"type": "done"})
    elif mode == "sleep":
        time.sleep(600)
    elif mode == "segv":
        import ctypes

        ctypes.string_at(0)  # a real invalid read (a worker may run as pid 1, which ignores sent signals)
    elif mode == "exit3":
        sys.exit(3)
    elif mode == "hog":
        [bytearray(10**8) for _ in range(1000)]
    elif mode == "flood":
        sys.stdout.write("x" * (300 * 1024) + "\n")  # one line over 64 KiB
        for _ in range(100):
            sys.stdout.write("y" * 100_000 + "\n")  # 10 MB in all
        sys.stdout.flush()
        send({"type": "done"})
    elif mode == "forge":
        fd = int(os.environ["EUREKA_CHANNEL_FD"])
        for junk in (b"not json\n", b"[1, 2]\n", b'{"no_type": 1}\n', b"z" * (3 << 20) + b"\n"):
            os.write(fd, junk)
        send({"type": "done"})
    elif mode == "linger":
        send({"type": "done"})
        threading.Thread(target=time.sleep, args=(600,)).start()  # a non-daemon thread keeps it alive
    elif mode == "orphan":
        child = subprocess.Popen(
            [sys.executable, "-c", f"import time; time.sleep(600)  # {arg}"], start_new_session=True
        )
        send({"type": "done", "pid": child.pid})
    elif mode == "probe":
        soft, hard = resource.getrlimit(
            resource.RLIMIT_FSIZE
        )  # every worker's (its memory cap may be a cgroup)
        outside = os.path.join(arg, "planted.txt")
        send(
            {
                "type": "done",
                "env_keys": sorted(os.environ),
                "cwd": os.getcwd(),
                "raise_limit": attempt(lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (hard * 2,) * 2)),
                "write_outside": attempt(lambda: open(outside, "w").write("x")),
                "read_outside": attempt(lambda: len(open(os.path.join(arg, "secret.txt")).read())),
                "write_inside": attempt(lambda: open("inside.txt", "w").write("x")),
                "kill_parent": attempt(
                    lambda: os.kill(os.getppid(), signal.SIGTERM) if os.getppid() > 1 else 1 / 0
                ),
            }
        )
    elif mode == "connect":
        send(
            {"type": "done", "connect": attempt(lambda: socket.create_connection(("127.0.0.1", int(arg)), 2))}
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
