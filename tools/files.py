"""Files the orchestrator writes and reads in directories a worker could write: atomic, and never through a
path the worker could have planted (a symlink, a FIFO, a device)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

#: How much of a file ``read_tail`` reads at most.
TAIL_BYTES = 64 * 1024


class PlantedPathError(OSError):
    """A path in a job directory is a symlink or a special file: something the worker put there."""


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a fresh temporary file (created exclusively, under a random name)
    and an atomic rename, which replaces a planted symlink instead of following it."""
    fd, tmp = tempfile.mkstemp(dir=Path(path).parent, prefix=f".{Path(path).name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` (see ``write_bytes_atomic``)."""
    write_bytes_atomic(path, json.dumps(data, indent=2).encode())


def open_regular(path: Path, flags: int = os.O_RDONLY) -> int:
    """A file descriptor of ``path`` opened without following a symlink; PlantedPathError for anything but a
    regular file."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the last component is a symlink
            raise PlantedPathError(f"{path} is a symlink") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise PlantedPathError(f"{path} is not a regular file")
    return fd


def copy_regular(source: Path, destination: Path) -> None:
    """Copy a regular file (never through a symlink at either end)."""
    with os.fdopen(open_regular(source), "rb") as f:
        write_bytes_atomic(destination, f.read())


def read_tail(path: Path, limit: int = TAIL_BYTES) -> str:
    """The last ``limit`` bytes of a regular file as text ('' if it is missing)."""
    try:
        fd = open_regular(path)
    except FileNotFoundError:
        return ""
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        f.seek(max(size - limit, 0))
        return f.read().decode(errors="replace")


def planted_path(directory: Path) -> Path | None:
    """The first symlink or special file under ``directory`` (not followed), or None: after a worker ran
    there, such a path is its doing, and nothing in the directory is trusted."""
    pending = [Path(directory)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_symlink() or not (
                    entry.is_file(follow_symlinks=False) or entry.is_dir(follow_symlinks=False)
                ):
                    return Path(entry.path)
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
    return None


def fresh_dir(path: Path) -> Path:
    """``path`` as a new empty directory: whatever was there (a tree a worker planted, a symlink, a file) is
    removed first, never followed. The next worker started there finds nothing an earlier one left."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path
