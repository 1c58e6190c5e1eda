"""Linux Landlock through ctypes: confine this process's file access, TCP and signals, unprivileged.

A process that calls ``restrict`` (and every process it starts) may then reach only the
given paths, each with its own rights (``READ``, ``READ_WRITE``, ``DEVICE``, ``EXECUTE``: running a file is
its own right, so a readable program is not a runnable one), open no TCP connection, bind no
TCP port, and send no signal to a process outside its own sandbox. Each part needs a Landlock
ABI version (files 1, TCP 4, signals 6); ``abi_version`` says what this kernel has.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights (bit, first ABI that knows it).
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_WRITE_TREE = sum(1 << b for b in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FS_BY_ABI = {
    1: EXECUTE | WRITE_FILE | READ_FILE | READ_DIR | _WRITE_TREE,
    2: REFER,
    3: TRUNCATE,
    5: IOCTL_DEV,
}
_FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
#: Rights to grant a path (each cut to what the kernel knows). EXECUTE is execve's right (and the kernel's
#: opening of the ELF loader it names); mapping a library executable (dlopen) needs only READ.
READ = READ_FILE | READ_DIR | IOCTL_DEV
READ_WRITE = sum(_FS_BY_ABI.values()) & ~EXECUTE
#: A device node a driver talks through (CUDA's /dev/nvidia*): opened read-write and driven by ioctl (a right
#: from ABI 5; before it, Landlock does not restrict ioctl at all).
DEVICE = READ_FILE | WRITE_FILE | IOCTL_DEV
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class LandlockError(OSError):
    """The kernel refused to set up the sandbox."""


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The kernel's Landlock ABI version, 0 if Landlock is missing or disabled."""
    try:
        version = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def _handled_fs(abi: int) -> int:
    return sum(bits for version, bits in _FS_BY_ABI.items() if abi >= version)


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise LandlockError(errno, f"landlock {what}: {os.strerror(errno)}")
    return result


def restrict(rules: dict[Path, int]) -> int:
    """Confine this process from now on to ``rules`` (a path, with all beneath it, to its rights); returns the
    ABI version used (raises if none is available)."""
    abi = abi_version()
    if abi < 1:
        raise LandlockError(0, "landlock is not available on this kernel")
    libc = _libc()
    handled = _handled_fs(abi)
    attr = _RulesetAttr(
        handled,
        NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0,
    )
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = _check(
        libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0), "ruleset"
    )
    try:
        for path, access in rules.items():
            _allow(libc, ruleset, Path(path), access & handled)
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(libc.syscall(_SYS_RESTRICT_SELF, ruleset, 0), "restrict_self")
    finally:
        os.close(ruleset)
    return abi


def _allow(libc, ruleset: int, path: Path, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not path.is_dir():
            access &= _FILE_ONLY
        rule = _PathBeneathAttr(access, fd)
        _check(
            libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0), f"rule {path}"
        )
    finally:
        os.close(fd)
