"""Pytest plugin: the test session fails if the test process connects outside loopback.

Register it in ``tests/conftest.py``: ``pytest_plugins = ["tests.outbound_guard"]``.

``socket.socket.connect`` / ``connect_ex`` (which ``socket.create_connection``, ``http.client``,
``urllib``, ``requests`` and SPARQLWrapper all end in) are wrapped: an AF_INET / AF_INET6
connection to an address outside 127.0.0.0/8 and ::1 is refused before any packet leaves
(:class:`OutboundConnectionBlocked`) and recorded. A test during which one was attempted
errors at teardown, and the session ends failed even if the code under test swallowed the
exception. Servers the tests start are separate processes; ``tests/test_no_outbound.py``
proves they do not connect anywhere on a user's behalf.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterator

import pytest

_ORIGINAL_CONNECT = socket.socket.connect
_ORIGINAL_CONNECT_EX = socket.socket.connect_ex
violations: list[str] = []
_expected: list[list[str]] = []


class OutboundConnectionBlocked(ConnectionRefusedError):
    """The test process tried to connect to an address outside loopback."""


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(info[4][0].split("%", 1)[0]).is_loopback for info in infos)


def _check(sock: socket.socket, address) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = address[0] if isinstance(address, tuple) else str(address)
    if _is_loopback(str(host)):
        return
    message = f"outbound connection attempted to {address!r}"
    if _expected:
        _expected[-1].append(message)
    else:
        violations.append(message)
    raise OutboundConnectionBlocked(message + " (blocked by tests/outbound_guard.py)")


def _connect(self, address):
    _check(self, address)
    return _ORIGINAL_CONNECT(self, address)


def _connect_ex(self, address):
    _check(self, address)
    return _ORIGINAL_CONNECT_EX(self, address)


def install() -> None:
    """Wrap the socket methods (idempotent)."""
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]


def uninstall() -> None:
    socket.socket.connect = _ORIGINAL_CONNECT  # type: ignore[method-assign]
    socket.socket.connect_ex = _ORIGINAL_CONNECT_EX  # type: ignore[method-assign]


def installed() -> bool:
    return socket.socket.connect is _connect


@contextlib.contextmanager
def expected_attempts() -> Iterator[list[str]]:
    """Inside this block, blocked attempts are collected in the yielded list instead of
    failing the session (for the test that proves the guard works)."""
    _expected.append([])
    try:
        yield _expected[-1]
    finally:
        _expected.pop()


def pytest_configure(config: pytest.Config) -> None:
    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    uninstall()


@pytest.fixture(autouse=True)
def _no_outbound_connection_in_this_test() -> Iterator[None]:
    before = len(violations)
    yield
    new = violations[before:]
    if new:
        pytest.fail("this test made the test process connect outside loopback:\n"
                    + "\n".join(new), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if violations:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("outbound connections attempted by the test process "
                                "(blocked):", red=True)
            for line in violations:
                reporter.write_line("  " + line, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
