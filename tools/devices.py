"""Training devices: which ones a run uses, and how a worker is pinned to one.

``"auto"`` means every GPU this process sees, else the CPU. A worker on ``cuda:N`` sees that one
GPU alone (``CUDA_VISIBLE_DEVICES``, mapped through this process's own list if it has one) and
trains on ``cuda:0``; a CPU worker sees none, so no library in it initialises a GPU context.

``python -m tools.devices`` prints what ``auto`` means here; ``--check`` proves the GPU path
(tools/gpu_check.py).
"""

from __future__ import annotations

import argparse
import os
import sys

PIN_ENV = "CUDA_VISIBLE_DEVICES"


def visible_gpus() -> int:
    import torch

    return torch.cuda.device_count()


def parse_devices(spec: str | list[str]) -> list[str]:
    """``"auto"``, ``"cpu"``, ``"cuda:0,cuda:1"`` or a list -> validated device names."""
    if spec == "auto":
        return [f"cuda:{i}" for i in range(visible_gpus())] or ["cpu"]
    devices = [d.strip() for d in (spec.split(",") if isinstance(spec, str) else spec) if d.strip()]
    for device in devices:
        if device != "cpu" and not (device.startswith("cuda:") and device[5:].isdigit()):
            raise ValueError(f"bad device {device!r}: use auto, 'cpu' or 'cuda:N'")
    if not devices:
        raise ValueError("the device pool needs at least one device")
    return devices


def pin_env(device: str) -> dict[str, str]:
    """The environment that pins a worker to ``device`` (one of this process's devices)."""
    if device == "cpu":
        return {PIN_ENV: ""}
    index = int(device.removeprefix("cuda:"))
    own = [d.strip() for d in os.environ.get(PIN_ENV, "").split(",") if d.strip()]
    if PIN_ENV in os.environ and index >= len(own):
        raise ValueError(
            f"{device}: this process sees only {len(own)} GPUs ({PIN_ENV}={os.environ[PIN_ENV]!r})"
        )
    return {PIN_ENV: own[index] if PIN_ENV in os.environ else str(index)}


def worker_device(device: str) -> str:
    """The device a pinned worker trains on: its only GPU, ``cuda:0``, or the CPU."""
    return "cpu" if device == "cpu" else "cuda:0"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.devices", description="Training devices here.")
    p.add_argument(
        "--check",
        action="store_true",
        help="train on every visible GPU inside the confinement and report env-steps/s (exits 0 "
        "without a GPU, 1 on any failure)",
    )
    if p.parse_args(argv).check:
        from tools.gpu_check import check  # it trains through the pool, which imports this module

        return check()
    print(f"auto: {','.join(parse_devices('auto'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
