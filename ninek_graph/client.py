"""Whether the client that sent the request is still there to read its answer.

A query runs in a worker process under its own time limit, but what follows it (reading the
answer's rows, laying out an HTML table, writing CSV) is work of the server process that no
limit covers. When the client has already closed its connection, none of it has a reader.

The server can tell only where the client's socket can be reached from the request, and a
peek at it without waiting reads ``b""`` once the client has closed (a pipelined next
request would be data, so a client that is still there is never taken for gone):

* the server's front (:mod:`.http_front`, waitress's channels) puts
  ``waitress.client_disconnected`` in the environ; it turns true by itself only when the
  channel keeps reading during a request (waitress's ``channel_request_lookahead``), so the
  channel's socket is also peeked (the event loop does not read it meanwhile);
* gunicorn's own workers put the socket in ``gunicorn.socket``;
* any other front may offer a callable ``ninek.client_gone``.

Anywhere else (the test client, TLS sockets, which cannot be peeked) the client counts as
present.
"""

from __future__ import annotations

import socket

from flask import request


class ClientGone(Exception):
    """The client closed its connection before its answer was made; nothing is sent."""


def gone() -> bool:
    """True only when the client has certainly closed its connection."""
    environ = request.environ
    for name in ("ninek.client_gone", "waitress.client_disconnected"):
        probe = environ.get(name)
        if callable(probe) and probe():
            return True
    sock = environ.get("gunicorn.socket")
    if sock is None:
        channel = getattr(environ.get("waitress.client_disconnected"), "__self__", None)
        sock = getattr(channel, "socket", None)
    return sock is not None and _closed(sock)


def _closed(sock: socket.socket) -> bool:
    try:
        data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False  # open, and nothing more sent: waiting for its answer
    except ValueError:
        return False  # a TLS socket cannot be peeked; assume present
    except OSError:
        return True  # reset by the peer
    return data == b""


def ensure_present() -> None:
    """Raise :class:`ClientGone` when the client has left: call it before expensive work
    whose only purpose is the response (laying out a page, serializing an answer)."""
    if gone():
        raise ClientGone()
