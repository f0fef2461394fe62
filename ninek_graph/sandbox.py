"""The sandbox every query worker enters right after it is forked, before it reads a request.

Why: SPARQL queries come from anyone, and the engine (pyoxigraph) follows ``SERVICE <url>``
by sending an HTTP request, with no switch to turn that off. The guard
(:mod:`.sparql_guard`) refuses such queries before the engine sees them, but a guard is a
second parser, and a text the two parsers read differently has already carried SERVICE
past it once (the engine then connected to a listener on 127.0.0.1). So the worker process
itself is made unable to reach anything, whatever query it runs:

* ``PR_SET_NO_NEW_PRIVS`` first: the kernel requires it before an unprivileged process may
  load a seccomp filter or a Landlock ruleset, and it keeps an ``execve`` of a set-uid file
  from gaining privileges (not that one may run: see below).
* A **seccomp filter** (the syscall layer): ``socket()`` for every address family but
  ``AF_UNIX`` fails with ``EACCES`` (so no TCP, UDP, raw, netlink or packet socket can be
  made; Landlock does not cover UDP at all), an ``AF_UNIX`` datagram socket too (it could
  send to any socket path without connecting), ``connect()`` fails for every socket
  (Landlock cannot stop connecting to a Unix socket by path, e.g. a container runtime's),
  ``execve``/``execveat`` fail, and ``io_uring`` cannot be set up (its operations, which
  include making sockets and connecting, are not system calls a filter sees). Calls of
  another architecture's ABI (x32, i386 through ``int 0x80``) fail whole, since the filter
  matches syscall numbers of this one. ``socketpair()`` and pipes still work.
* A **Landlock** ruleset that handles every file-system right of the running ABI and
  (ABI 4+) TCP bind and connect, with no rule allowing anything: the worker can open no
  file or directory, create, remove or execute nothing, bind and connect no TCP port,
  loopback included. Where the ABI has them (6+) it is also scoped: no signals to
  processes outside the sandbox (such as the server that forked it) and no connection to
  abstract Unix sockets made outside it. Landlock also forbids ``ptrace`` of processes
  outside the sandbox.

The two layers overlap on purpose (sockets, connect, exec): each is enough on its own for
the SERVICE case, so a mistake in one is not a hole. Anything the worker must read from a
file after this point is opened before (the worker keeps descriptors of its own
``/proc/self/statm`` and ``smaps_rollup``), and every module it needs is imported before.

Where a layer is missing (another OS, an older kernel, a container whose own seccomp
profile refuses the Landlock calls), :func:`plan` fails closed with
:class:`SandboxUnavailable`, which names the missing layers, unless the ``query_sandbox``
setting is ``best-effort``: then the workers enter the layers there are and a warning is
logged when the back-end is made. Landlock needs Linux 5.13 (files), 6.7 (TCP, ABI 4) and
6.12 (scopes, ABI 6); seccomp filters need x86_64 or aarch64 here.

Both layers are plain system calls through :mod:`ctypes`, with no dependency: the seccomp
program is 19 classic BPF instructions assembled once at import (below, with labels), so
a fork enters the sandbox with five system calls and no allocation. libseccomp (through
PyPI's ``pyseccomp``) would build the same filter, but adds a package and a native
library every machine must carry, and builds its program in each forked worker.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import platform
import struct
import sys
from dataclasses import dataclass

log = logging.getLogger(__name__)

MODES = ("required", "best-effort")

# --- constants of the Linux user API ---------------------------------------------------------
_PR_SET_NO_NEW_PRIVS = 38
_PR_GET_SECCOMP = 21
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_AF_UNIX = 1
_SOCK_DGRAM = 2
_SOCK_TYPE_MASK = 0xF
_X32_SYSCALL_BIT = 0x40000000

# Classic BPF opcodes (linux/bpf_common.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_AND_K = 0x54
_RET_K = 0x06

# Offsets in struct seccomp_data: nr (int), arch (u32), instruction_pointer, args[6] (u64);
# the low half of an argument comes first on these little-endian machines.
_NR, _ARCH, _ARG0, _ARG1 = 0, 4, 16, 24

# Per architecture: AUDIT_ARCH_* and the syscall numbers the filter names.
_ARCHES = {
    "x86_64": {"audit": 0xC000003E, "socket": 41, "connect": 42, "execve": 59,
               "execveat": 322, "io_uring": (425, 426, 427), "x32": True},
    "aarch64": {"audit": 0xC00000B7, "socket": 198, "connect": 203, "execve": 221,
                "execveat": 281, "io_uring": (425, 426, 427), "x32": False},
}
_ARCHES["amd64"] = _ARCHES["x86_64"]
_ARCHES["arm64"] = _ARCHES["aarch64"]

# Landlock (linux/landlock.h); the three syscalls have the same numbers on every arch.
_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
# File-system rights by the ABI that introduced them: 1 (13 rights), 2 REFER,
# 3 TRUNCATE, 5 IOCTL_DEV. A right newer than this table is not handled (not known here).
_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: 1 << 13, 3: 1 << 14, 5: 1 << 15}
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


class SandboxUnavailable(RuntimeError):
    """A layer of the sandbox cannot be had here and the settings require it."""


class SandboxFailed(OSError):
    """Entering the sandbox failed in a worker (which then runs no query)."""


@dataclass(frozen=True)
class Plan:
    """What a worker enters: the seccomp filter (or not) and the Landlock ABI to use (0:
    none). Made once, in the parent, by :func:`plan`; :meth:`enter` runs in each worker."""

    seccomp: bool
    landlock_abi: int

    @property
    def layers(self) -> list[str]:
        names = ["seccomp"] if self.seccomp else []
        if self.landlock_abi >= 1:
            names.append(f"landlock-fs (ABI {self.landlock_abi})")
        if self.landlock_abi >= 4:
            names.append("landlock-net")
        return names

    def enter(self) -> None:
        """Confine the calling (single-threaded, just forked) process for good. Raises
        :class:`SandboxFailed` if the kernel refused a step."""
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)
        if self.seccomp:
            _load_filter(_FILTER)
        if self.landlock_abi:
            _restrict_self(self.landlock_abi)


def plan(mode: str = "required") -> Plan:
    """Find out which layers this machine offers and decide, at start-up, in the parent.

    ``required`` (the default): every layer (seccomp, Landlock for files, Landlock for TCP)
    must be there, else :class:`SandboxUnavailable` says which are missing and how to run
    without them. ``best-effort``: use what there is and log a warning naming the rest."""
    if mode not in MODES:
        raise ValueError(f"query_sandbox must be one of {', '.join(MODES)}, not {mode!r}")
    seccomp, seccomp_why = seccomp_support()
    abi, abi_why = landlock_abi()
    missing = []
    if not seccomp:
        missing.append(f"seccomp ({seccomp_why})")
    if abi < 1:
        missing.append(f"Landlock for files ({abi_why})")
    if abi < 4:
        missing.append("Landlock for TCP (needs Landlock ABI 4, Linux 6.7+"
                       + (f"; this kernel has ABI {abi})" if abi else ")"))
    chosen = Plan(seccomp=seccomp, landlock_abi=abi)
    if missing and mode == "required":
        raise SandboxUnavailable(
            "The query workers cannot be sandboxed on this machine; missing: "
            + "; ".join(missing) + ". Without these layers a query that got past the "
            "guard could make the engine connect to other services or read files. Run on "
            "a kernel that has them, or accept the risk with the setting "
            "query_sandbox=best-effort (environment: NINEK_QUERY_SANDBOX=best-effort), "
            "which uses the layers there are.")
    if missing:
        log.warning("query workers run with only part of their sandbox (%s); missing: %s",
                    ", ".join(chosen.layers) or "no layer", "; ".join(missing))
    return chosen


def seccomp_support() -> tuple[bool, str]:
    """Whether this process can load the filter, and if not why."""
    if not sys.platform.startswith("linux"):
        return False, f"not Linux but {sys.platform}"
    if _FILTER is None:
        return False, f"no filter written for the {platform.machine()} architecture"
    try:
        _prctl(_PR_GET_SECCOMP, 0)
    except OSError as error:
        return False, f"the kernel has no seccomp: {error.strerror}"
    return True, ""


def landlock_abi() -> tuple[int, str]:
    """The kernel's Landlock ABI version (0 if none), and if none why."""
    if not sys.platform.startswith("linux") or _LIBC is None:
        return 0, f"not Linux but {sys.platform}"
    version = _syscall(_SYS_LANDLOCK_CREATE_RULESET, None, 0, _LANDLOCK_CREATE_RULESET_VERSION)
    if version < 0:
        code = ctypes.get_errno()
        reason = {errno.ENOSYS: "the kernel has no Landlock (Linux 5.13+) or a seccomp "
                                "profile around this process refuses it",
                  errno.EOPNOTSUPP: "Landlock is built in but not enabled at boot "
                                    "(add it to the lsm= kernel parameter)",
                  errno.EPERM: "a seccomp profile around this process refuses it"}
        return 0, reason.get(code, os.strerror(code))
    return version, ""


# --- seccomp ---------------------------------------------------------------------------------
def _assemble(arch: dict) -> bytes:
    """The filter as classic BPF (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k).

    Each jump names a label; offsets are resolved here, so the program reads top down."""
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    program: list[tuple] = [
        ("ld", _ARCH), ("jeq", arch["audit"], None, "deny"),
        ("ld", _NR),
    ]
    if arch["x32"]:
        program.append(("jge", _X32_SYSCALL_BIT, "deny", None))
    program += [("jeq", arch["socket"], "socket", None)]
    for name in ("connect", "execve", "execveat"):
        program.append(("jeq", arch[name], "deny", None))
    for number in arch["io_uring"]:
        program.append(("jeq", number, "deny", None))
    program += [
        ("ret", _SECCOMP_RET_ALLOW),
        ("label", "socket"),
        ("ld", _ARG0), ("jeq", _AF_UNIX, None, "deny"),
        ("ld", _ARG1), ("and", _SOCK_TYPE_MASK), ("jeq", _SOCK_DGRAM, "deny", None),
        ("ret", _SECCOMP_RET_ALLOW),
        ("label", "deny"),
        ("ret", deny),
    ]
    labels, position = {}, 0
    for op in program:
        if op[0] == "label":
            labels[op[1]] = position
        else:
            position += 1
    out, position = bytearray(), 0
    for op in program:
        kind = op[0]
        if kind == "label":
            continue
        if kind in ("jeq", "jge"):
            _, k, true, false = op
            jt = 0 if true is None else labels[true] - position - 1
            jf = 0 if false is None else labels[false] - position - 1
            out += struct.pack("<HBBI", _JEQ_K if kind == "jeq" else _JGE_K, jt, jf, k)
        else:
            code = {"ld": _LD_W_ABS, "and": _AND_K, "ret": _RET_K}[kind]
            out += struct.pack("<HBBI", code, 0, 0, op[1])
        position += 1
    return bytes(out)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _load_filter(program: bytes | None) -> None:
    if program is None:
        raise SandboxFailed(errno.ENOSYS, "no seccomp filter for this architecture")
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    _prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog))


# --- Landlock --------------------------------------------------------------------------------
def _restrict_self(abi: int) -> None:
    fs = 0
    for introduced, rights in _FS_RIGHTS_BY_ABI.items():
        if abi >= introduced:
            fs |= rights
    net = _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0
    scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0
    # struct landlock_ruleset_attr grew with the ABI; pass only the part this one knows.
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    attr = (ctypes.c_uint64 * 3)(fs, net, scoped)
    fd = _syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if fd < 0:
        code = ctypes.get_errno()
        raise SandboxFailed(code, f"landlock_create_ruleset: {os.strerror(code)}")
    try:
        if _syscall(_SYS_LANDLOCK_RESTRICT_SELF, fd, 0) < 0:
            code = ctypes.get_errno()
            raise SandboxFailed(code, f"landlock_restrict_self: {os.strerror(code)}")
    finally:
        os.close(fd)


# --- plumbing --------------------------------------------------------------------------------
def _load_libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        libc.prctl.restype = ctypes.c_int
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _load_libc()
_ARCH_TABLE = _ARCHES.get(platform.machine().lower())
_FILTER = _assemble(_ARCH_TABLE) if _ARCH_TABLE is not None and _LIBC is not None else None


def _prctl(option: int, arg2: int, arg3: int = 0) -> int:
    if _LIBC is None:
        raise SandboxFailed(errno.ENOSYS, "prctl is not available")
    result = _LIBC.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                         ctypes.c_ulong(0), ctypes.c_ulong(0))
    if result < 0:
        code = ctypes.get_errno()
        raise SandboxFailed(code, f"prctl({option}): {os.strerror(code)}")
    return result


def _syscall(number: int, *args) -> int:
    assert _LIBC is not None
    converted = [ctypes.c_long(arg) if isinstance(arg, int) else arg for arg in args]
    return _LIBC.syscall(ctypes.c_long(number), *converted)
