"""Worker process entry: ``python -m tools.gpu_probe_worker DIR`` tries, inside the confinement, what CUDA
needs of it, and sends one ``probe`` message (tools/gpu_check.py compares it with the same tries outside).

It reads ``probe.json`` ({nodes}: the NVIDIA device nodes the caller found in /dev), opens each read-write
and drives it by an ioctl no driver knows (``try_node``), then starts CUDA on the GPU it is pinned to and
allocates on it: ``visible`` GPUs, the ``gpu``'s name, or CUDA's ``error``.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import traceback
from pathlib import Path

from tools.isolation.channel import send
from tools.job_dir import PROBE_SPEC_FILE

#: An ioctl request no NVIDIA driver has: the driver answers EINVAL or ENOTTY, while Landlock, which decides
#: before any driver, answers EACCES.
UNKNOWN_IOCTL = 0


def try_node(path: str) -> str:
    """What CUDA's first two calls on a device node meet: ``ok``, or the call and the errno refusing it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        return f"open read-write: {errno.errorcode.get(exc.errno, exc.errno)}"
    try:
        fcntl.ioctl(fd, UNKNOWN_IOCTL)
    except OSError as exc:
        if exc.errno == errno.EACCES:
            return "ioctl: EACCES"
    finally:
        os.close(fd)
    return "ok"


def start_cuda() -> dict:
    """{visible, gpu, error}: the GPUs this process sees, and a 4 MB allocation on the first."""
    try:
        import torch

        visible = torch.cuda.device_count()
        if visible:
            torch.ones(1 << 20, device="cuda:0").sum().item()
        return {"visible": visible, "gpu": torch.cuda.get_device_name(0) if visible else None, "error": None}
    except Exception:  # noqa: BLE001 - reported to the caller
        error = traceback.format_exc(limit=-1).strip().splitlines()[-1]
        return {"visible": None, "gpu": None, "error": error}


def main() -> None:
    spec = json.loads((Path(sys.argv[1]) / PROBE_SPEC_FILE).read_text())
    send({"type": "probe", "nodes": {path: try_node(path) for path in spec["nodes"]}, **start_cuda()})


if __name__ == "__main__":
    main()
