"""A child program for the sandbox tests: ``python -m tests.tools.sandbox_child MODE``."""

import os
import signal
import sys
import time

if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "lines":
        for i in range(3):
            print(f"line {i}", flush=True)
    elif mode == "sleep":
        time.sleep(600)
    elif mode == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif mode == "exit3":
        sys.exit(3)
    elif mode == "hog":
        hoard = [bytearray(10**8) for _ in range(1000)]
