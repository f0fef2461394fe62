"""The server's front: whole requests are read, and answers sent, by an event loop.

gunicorn's threaded worker (gthread) reads a request inside the worker thread that will run
it and writes the answer from that thread too, so a client that dribbles its headers one byte
at a time (slowloris), or asks for a large answer and never reads it, holds a thread for as
long as it likes: a dozen such connections took every thread of the default 2 x 4, and
``/health`` timed out. Its request line had no limit (``limit_request_line 0``, set so that a
long GET query reaches the application's own 400): an 8 MiB URL cost 10 s of CPU, and a
256 MiB body was read and scanned for 75 s before its 400.

:class:`FrontWorker` is a gunicorn worker class, so gunicorn's arbiter stays as it was:
``preload_app`` (the application and its pyoxigraph store are loaded once in the master and
inherited by fork), process management, heartbeats, signals, the access log. Inside each
worker, connections are served by waitress's asynchronous channels instead of threads:

* one event loop (``poll``, so any number of descriptors) reads requests; a request is handed
  to one of ``server_threads`` application threads only once it is complete, headers and body;
* request line plus headers may take :func:`header_limit` bytes (room for a GET query of
  ``max_query_length`` characters percent-encoded as three-byte UTF-8, ~9 bytes each): more is
  answered 431 after that many bytes, whatever the client still sends; at most
  :data:`MAX_FIELDS` header fields of :data:`MAX_FIELD_BYTES` each (431). A body may take
  ``max_request_kib``: a larger ``Content-Length`` is answered 413 from the headers alone, a
  chunked body as soon as it passes the limit;
* deadlines, counted from a request's first byte (a dribbler cannot push them back by sending
  more): :data:`HEADERS_TIMEOUT_S` for the headers, :data:`REQUEST_TIMEOUT_S` for the whole
  request; an idle connection is closed after :data:`IDLE_TIMEOUT_S` (gunicorn's keep-alive)
  and one whose reader takes nothing for :data:`SEND_TIMEOUT_S` is closed too;
* the application thread writes its answer into the connection's buffer (in memory up to
  1 MiB, then a temporary file) and is free; the loop sends it as fast as the client reads.
  Answers are single bodies (the response cache and Flask join them) or files (the dumps, sent
  from the file itself), so no application thread waits on a slow reader;
* a refused request (413, 431, 400) is answered, then its connection is shut for writing and
  read for up to :data:`LINGER_S` (at most :data:`LINGER_BYTES`) before it is closed, so that
  a client still sending its body receives the answer instead of a reset;
* ``GET /health`` is answered by the loop itself (the application's answer, taken once at
  start), and refusals too: neither waits behind heavy requests. With every thread busy and
  ``queued_requests`` waiting, a request is answered 503 with ``Retry-After`` at once; one
  that waited past the query time limit gets 503 instead of running;
* a request whose length could be read two ways (RFC 9112: Content-Length with
  Transfer-Encoding, a coding other than one chunked, differing lengths, folded lines) is
  refused with 400 and its connection closed, so nothing after it is read as a request;
* as gunicorn did, a proxy on an address of ``forwarded_allow_ips`` (127.0.0.1 and ::1 by
  default) may set the scheme (``X-Forwarded-Proto`` and gunicorn's other secure-scheme
  headers) and the path prefix (a ``SCRIPT_NAME`` header); from other peers they are ignored.

Options weighed, measured on this machine (2 cores, shared, load average 6-10 while
measuring, so only large differences count); a trivial WSGI app, 2 processes, wrk, requests/s
at 1 / 8 / 32 keep-alive clients:

* gunicorn's own asyncio ASGI worker (``-k asgi``, 27.0.1) with a2wsgi (1.10.10):
  1 068 / 1 033 / 2 831 against gthread's 2 158 / 4 534 / 3 165. Its HTTP/1 reader has no
  deadline for a request that has begun: 50 dribbling connections stayed open 25 s and more
  (they hold no thread, but pile up to the connection limit). a2wsgi's thread waits until
  each chunk it sends is taken: 20 clients that read nothing of a 30 MB streamed answer held
  all 8 of its threads and ``/health`` timed out (with a 2 MB answer the buffers took it);
* gthread behind a pre-reading front of our own: a second HTTP framing (request length,
  chunked bodies) in front of gunicorn's, which must agree with it byte for byte or requests
  can be smuggled past it, plus an output spool: a server's worth of new code;
* waitress alone (``waitress-serve``): the same channels, but no preloading master and no
  process management: one process, so the GIL caps it at one core;
* waitress's channels inside a gunicorn worker (this module): 3 350 / 4 809 / 3 780 on the
  same trivial app. Both pieces are mature; ours are the deadlines, the header-field limits,
  the lingering close, the proxy headers and the glue (heartbeat, signals, graceful stop).

One limit remains: an answer the application hands over in many chunks holds its thread once
16 MiB of it wait unsent (waitress's ``outbuf_high_watermark``), until the reader takes more
or :data:`SEND_TIMEOUT_S` without progress closes the connection. None of ours is made so:
Flask and the response cache give one body, the dumps go out as files.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
import os
import resource
import socket
import time
import urllib.parse
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError, crack_first_line, get_header_lines
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, Task, ThreadedTaskDispatcher, WSGITask
from waitress.utilities import (
    BadRequest,
    Error,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
)

from . import security_log
from .page_headers import REFERRER_POLICY

#: A connection with no request under way (fresh, or between keep-alive requests) is closed
#: after this many seconds without a byte (gunicorn's ``keepalive`` as we had set it).
IDLE_TIMEOUT_S = 5.0
#: Request line and headers must have arrived this many seconds after their first byte.
HEADERS_TIMEOUT_S = 10.0
#: The whole request, body included, must have arrived this long after its first byte
#: (``max_request_kib`` at ~50 KiB/s).
REQUEST_TIMEOUT_S = 20.0
#: An answer whose reader has taken nothing for this long is dropped.
SEND_TIMEOUT_S = 30.0
#: After a refusal the connection is read (and what it sends thrown away) for at most this
#: long and this much before it is closed.
LINGER_S = 2.0
LINGER_BYTES = 16 << 20
#: How often deadlines are checked (and the arbiter told we are alive), in seconds.
TICK_S = 1.0
#: Header fields a request may have, and bytes one field (name and value) may take: as
#: gunicorn's limit_request_fields and limit_request_field_size were.
MAX_FIELDS = 100
MAX_FIELD_BYTES = 8190
#: Request line and headers beside the query: path, Host, Accept, cookies, a proxy's
#: headers; generous.
HEADER_ALLOWANCE = 16 << 10
#: Seconds a client is asked to wait (``Retry-After``) when every thread is busy and the
#: queue of waiting requests is full.
RETRY_AFTER_S = 2
#: Headers every answer the front makes itself carries, as the application's do
#: (:mod:`.page_headers`).
FRONT_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY))
#: Bytes of a request's start kept to name it in the logs when it is refused before its
#: request line could be parsed (a 431).
LINE_START_BYTES = 1024

logger = logging.getLogger(__name__)


def header_limit(max_query_length: int) -> int:
    """Most bytes of request line plus headers (the blank line ending them included): a GET
    ``query`` of ``max_query_length`` characters, each percent-encoded as a three-byte UTF-8
    character (9 bytes), and :data:`HEADER_ALLOWANCE` for everything else."""
    return 9 * max_query_length + HEADER_ALLOWANCE


@dataclass(frozen=True)
class FrontLimits:
    """What the front accepts; given by :func:`ninek_graph.server.serve` from the settings."""

    header_bytes: int = header_limit(20_000)
    body_bytes: int = 1024 << 10
    #: Requests of one server process waiting for a thread, beyond which (every thread
    #: busy) a request is answered 503 at once.
    queued_requests: int = 32
    #: A request that has waited longer than this for a thread (the query time limit) is
    #: answered 503 instead of being run: its client has given up or soon will.
    queue_wait_s: float = 10.0

    def adjustments(self, threads: int, connections: int, backlog: int) -> Adjustments:
        return Adjustments(
            threads=threads,
            connection_limit=connections,
            backlog=backlog,
            # waitress refuses at ">= limit": one more, so that exactly the limit passes
            max_request_header_size=self.header_bytes + 1,
            max_request_body_size=self.body_bytes + 1,
            cleanup_interval=TICK_S,
            channel_timeout=SEND_TIMEOUT_S,
            asyncore_use_poll=True,
            recv_bytes=64 << 10,
            ident="ninek-graph",
            log_socket_errors=False,
            expose_tracebacks=False,
        )


class _Proxies:
    """The peers trusted to set the scheme and path prefix (gunicorn's forwarded_allow_ips and
    secure_scheme_headers, read from its configuration)."""

    def __init__(self, cfg: Any) -> None:
        entries = [str(e).strip() for e in cfg.forwarded_allow_ips if str(e).strip()]
        self.anyone = "*" in entries
        self.networks = []
        for entry in entries:
            if entry != "*":
                try:
                    self.networks.append(ipaddress.ip_network(entry, strict=False))
                except ValueError:
                    logger.warning("forwarded_allow_ips: %r is not an address", entry)
        self.scheme_headers = [("HTTP_" + name.upper().replace("-", "_"), value)
                               for name, value in cfg.secure_scheme_headers.items()]
        self._known: dict[str, bool] = {}

    def trusts(self, address: str) -> bool:
        known = self._known.get(address)
        if known is None:
            known = self._known[address] = self._trusts(address)
            if len(self._known) > 4096:  # peers come and go; keep the memo small
                self._known.clear()
        return known

    def _trusts(self, address: str) -> bool:
        if self.anyone:
            return True
        try:
            ip = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return False
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)


# -- parsing ---------------------------------------------------------------------------------
class _Parser(HTTPRequestParser):
    """waitress's parser, with limits on header fields, refusals that say which limit was
    met, one reading of a request's framing (see :func:`_framing_problem`), and the
    ``SCRIPT_NAME`` header kept aside (waitress drops every header name with an underscore;
    a trusted proxy's one sets the path prefix)."""

    script_name: str | None = None
    _fields_problem: str | None = None
    _framing_problem: str | None = None
    line_start = b""  # the first bytes received, to name a request refused before parsing
    queued_at = 0.0  # when it was handed to the application threads' queue

    def received(self, data: bytes) -> int:
        if len(self.line_start) < LINE_START_BYTES:
            self.line_start += data[:LINE_START_BYTES - len(self.line_start)]
        consumed = super().received(data)
        error = self.error
        if error is None or getattr(error, "explained", False):
            return consumed
        if self._framing_problem is not None:
            error = BadRequest(self._framing_problem)
        elif self._fields_problem is not None:
            error = RequestHeaderFieldsTooLarge(self._fields_problem)
        elif isinstance(error, RequestHeaderFieldsTooLarge):
            limit = self.adj.max_request_header_size - 1
            error = RequestHeaderFieldsTooLarge(
                f"The request line and headers are longer than this server accepts "
                f"({limit:,} bytes). Send a long SPARQL query in the body of a POST.")
        elif isinstance(error, RequestEntityTooLarge):
            limit = self.adj.max_request_body_size - 1
            error = RequestEntityTooLarge(
                f"The request body is larger than this server accepts ({limit >> 10:,} KiB, "
                f"the max_request_kib setting).")
        error.explained = True
        self.error = error
        return consumed

    def parse_header(self, header_plus: bytes) -> None:
        start = header_plus.find(b"\r\n")
        fields = header_plus[start + 2:].rstrip(b"\r\n") if start >= 0 else b""
        lines = fields.split(b"\r\n")
        if len(lines) > MAX_FIELDS or max(map(len, lines)) > MAX_FIELD_BYTES:
            self._fields_problem = (
                f"The request has more than {MAX_FIELDS} header fields or one longer than "
                f"{MAX_FIELD_BYTES:,} bytes; this server accepts neither (only the request "
                f"line may be longer, for a long GET query).")
            raise ParsingError(self._fields_problem)
        lowered = fields.lower()
        if b"transfer-encoding" in lowered or b"content-length" in lowered \
                or b"\n " in fields or b"\n\t" in fields:
            problem, length = _framing_problem(header_plus[:start], lines)
            if problem is not None:
                self._framing_problem = problem
                raise ParsingError(problem)
            if length is not None:  # Content-Length repeated with one value: keep one
                kept = [line for line in lines
                        if line.partition(b":")[0].strip().lower() != b"content-length"]
                kept.append(b"Content-Length: " + length)
                header_plus = header_plus[:start + 2] + b"\r\n".join(kept) + b"\r\n\r\n"
                fields = b"\r\n".join(kept)
        super().parse_header(header_plus)
        if b"script_name" in lowered:
            for line in get_header_lines(fields):
                name, _, value = line.partition(b":")
                if name.upper() == b"SCRIPT_NAME":
                    self.script_name = value.strip(b" \t").decode("latin-1")

    def request_line(self) -> tuple[str, str, str]:
        """Method, target and protocol as the client sent them, also for a request refused
        before its headers were parsed (waitress then fills in ``GET / HTTP/1.0``)."""
        if getattr(self, "first_line", b"") and self.first_line != b"GET / HTTP/1.0" \
                or not self.line_start:
            return (getattr(self, "command", "") or "-",
                    getattr(self, "request_uri", "-") or "-",
                    f"HTTP/{self.version}")
        line = self.line_start.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
        method, _, rest = line.partition(b" ")
        target, _, protocol = rest.partition(b" ")
        if len(line) >= LINE_START_BYTES - 1 or b"\n" not in self.line_start:
            target += b"..."  # only its start was kept
        return (method.decode("latin-1") or "-", target.decode("latin-1") or "-",
                protocol.decode("latin-1") or "HTTP/1.1")


_ONE_CODING = b"chunked"


def _framing_problem(first_line: bytes, lines: list[bytes]) -> tuple[str | None, bytes | None]:
    """Why this request's framing is not one a proxy in front of us must also read the
    same way (RFC 9112), or None; and the one Content-Length when it was repeated.

    * an obsolete line folding (a line starting with a space or tab): rejected with 400
      (section 5.2 allows that or replacing it with a space; we take no chances);
    * Transfer-Encoding with Content-Length (section 6.1: a smuggling attempt; a server may
      reject it and must close the connection after answering);
    * Transfer-Encoding in an HTTP/1.0 request (section 6.1: faulty framing);
    * a Transfer-Encoding other than one ``chunked`` (case-insensitive, RFC 9110 section
      10.1.4; spaces and tabs around a field value are not part of it, section 5.5):
      chunked not last means the length cannot be known (section 6.3: 400 and close), and
      twice or with another coding is not something any client of ours sends;
    * Content-Lengths that differ, or one that is not digits (section 6.3).
    """
    codings: list[bytes] = []
    lengths: list[bytes] = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            return ("A header line begins with a space or tab (obsolete line folding, "
                    "RFC 9112 section 5.2); send each field on one line.", None)
        name, _, value = line.partition(b":")
        name = name.lower()
        if name == b"transfer-encoding":
            codings += [item.strip(b" \t") for item in value.split(b",")]
        elif name == b"content-length":
            lengths += [item.strip(b" \t") for item in value.split(b",")]
    if codings:
        if lengths:
            return ("The request has both Transfer-Encoding and Content-Length, which "
                    "makes its length ambiguous (RFC 9112 section 6.1); send one.", None)
        if crack_first_line(first_line.rstrip())[2] == b"1.0":
            return ("An HTTP/1.0 request may not have a Transfer-Encoding (RFC 9112 "
                    "section 6.1).", None)
        if len(codings) != 1 or codings[0].lower() != _ONE_CODING:
            return ("The only Transfer-Encoding this server reads is a single \"chunked\" "
                    "(RFC 9112 section 6.3).", None)
    if len(set(lengths)) > 1:
        return "The request has Content-Length fields with different values.", None
    if lengths and not lengths[0].isdigit():
        return "Content-Length is invalid.", None
    return None, (lengths[0] if len(lengths) > 1 else None)


# -- tasks (run in an application thread, or in the loop for the front's own answers) ------
class _Logged:
    """Access log through gunicorn's logger (its access_log_format and handlers)."""

    def service(self) -> None:
        started = time.time()
        super().service()  # type: ignore[misc]
        # (when it raises, waitress answers 500 with an error task, which logs that)
        front: _Front = self.channel.server.front  # type: ignore[attr-defined]
        if front.log.access_log_enabled:
            self._log(front, started)

    def _log(self, front: _Front, started: float) -> None:
        request = self.request  # type: ignore[attr-defined]
        environ = getattr(self, "environ", None)
        if environ is None:
            method, target, protocol = request.request_line()
            headers = request.headers
            environ = {"REMOTE_ADDR": self.channel.addr[0],  # type: ignore[attr-defined]
                       "REQUEST_METHOD": method, "SERVER_PROTOCOL": protocol,
                       "RAW_URI": target, "PATH_INFO": getattr(request, "path", "-"),
                       "QUERY_STRING": getattr(request, "query", ""),
                       "HTTP_USER_AGENT": headers.get("USER_AGENT", "-"),
                       "HTTP_REFERER": headers.get("REFERER", "-")}
        else:
            environ = {**environ, "RAW_URI": getattr(request, "request_uri", "-")}
        response = SimpleNamespace(status=self.status,  # type: ignore[attr-defined]
                                   sent=self._sent(),
                                   headers=self.response_headers)  # type: ignore[attr-defined]
        headers = [(name.replace("_", "-"), value) for name, value in request.headers.items()]
        elapsed = datetime.timedelta(seconds=time.time() - started)
        front.log.access(response, SimpleNamespace(headers=headers), environ, elapsed)

    def _sent(self) -> int:
        """Body bytes of the answer (a file handed to the loop whole counts as sent)."""
        written = self.content_bytes_written  # type: ignore[attr-defined]
        if not written and self.wrote_header and self.has_body:  # type: ignore[attr-defined]
            return self.content_length or 0  # type: ignore[attr-defined]
        return written


class ServiceUnavailable(Error):
    """Every thread busy and the queue full, or a request that waited past the query time
    limit: try again shortly."""

    code = 503
    reason = "Service Unavailable"
    linger = False  # the request was read whole: nothing to drain
    headers = (("Retry-After", str(RETRY_AFTER_S)),)


def _write_error(task: Task) -> None:
    """Answer the request's error (as waitress's ErrorTask does) with the headers every
    answer carries, close the connection after it, and log the refusal as the application
    logs its own (:mod:`.security_log`: one JSON line on ``ninek_graph.security``)."""
    error = task.request.error
    status, headers, body = error.to_response(task.channel.server.adj.ident)
    task.status = status
    task.response_headers.extend(headers)
    task.response_headers.extend(FRONT_HEADERS)
    task.response_headers.extend(getattr(error, "headers", ()))
    task.set_close_on_finish()
    task.content_length = len(body)
    task.write(body)
    _log_refusal(task.channel.addr[0], task.request, error)


def _log_refusal(client: str, request: _Parser, error: Error) -> None:
    """One line for a refusal by the front, with the fields of :func:`.security_log.record`
    (the path and query as far as the front read them)."""
    try:
        method, target, _ = request.request_line()
        path, _, query = target.partition("?")
        text = urllib.parse.unquote_plus(query, errors="replace")
        if path.endswith("/sparql"):
            values = urllib.parse.parse_qs(query, max_num_fields=MAX_FIELDS).get("query")
            text = values[0] if values else text
        line = {"event": "unavailable" if error.code == 503 else
                "error" if error.code >= 500 and error.code != 501 else "refused",
                "status": error.code, "reason": security_log.clip(str(error.body), 300),
                "client": client, "method": method,
                "path": security_log.clip(urllib.parse.unquote(path, errors="replace")),
                "query": security_log.clip(text), "query_chars": len(text)}
    except Exception as failure:  # noqa: BLE001 - the log line must not fail the answer
        line = {"event": "refused", "status": error.code,
                "reason": security_log.clip(str(error.body), 300),
                "note": f"request not described: {type(failure).__name__}"}
    level = logging.INFO if error.code == 400 else logging.WARNING
    security_log.log.log(level, json.dumps(line, ensure_ascii=False))


class _ErrorTask(_Logged, ErrorTask):
    """A refusal by the front (431, 413, 400, 503) or waitress's 500: answered, then the
    connection lingers (unless the request was read whole)."""

    def service(self) -> None:
        if getattr(self.request.error, "linger", True):
            self.channel.linger_on_close = True
        super().service()

    def execute(self) -> None:
        _write_error(self)


class _HealthTask(_Logged, Task):
    """``GET /health``, answered by the loop itself, never queued behind the application's
    requests: a liveness check must not starve. The status, headers and body are those the
    application's own route gave when the worker started (:meth:`FrontWorker._health`)."""

    complete = True

    def execute(self) -> None:
        status, headers, body = self.channel.server.front.health
        self.status = status
        self.response_headers.extend(headers)
        self.response_headers.append(("Content-Length", str(len(body))))
        if self.request.command == "HEAD":
            self.write(b"")
        else:
            self.content_length = len(body)
            self.write(body)


class _Task(_Logged, WSGITask):
    def get_environment(self) -> dict:
        if self.environ is not None:
            return self.environ
        environ = super().get_environment()
        front: _Front = self.channel.server.front
        environ["wsgi.multiprocess"] = front.multiprocess
        script_name = front.script_name
        if front.proxies.trusts(environ["REMOTE_ADDR"]):
            for key, secure in front.proxies.scheme_headers:
                if key in environ:
                    environ["wsgi.url_scheme"] = "https" if environ[key] == secure else "http"
                    break
            if self.request.script_name is not None:
                script_name = self.request.script_name
        if script_name:
            path = environ["PATH_INFO"]
            if not (path == script_name or path.startswith(script_name.rstrip("/") + "/")):
                environ["ninek.prefix_error"] = (
                    f"The path {path!r} does not start with the proxy's SCRIPT_NAME "
                    f"{script_name!r}.")
            else:
                environ["SCRIPT_NAME"] = script_name.rstrip("/")
                environ["PATH_INFO"] = path[len(environ["SCRIPT_NAME"]):]
        return environ

    def finish(self) -> None:
        super().finish()
        # Send the answer from this thread now (headers and body in one go, as far as the
        # socket takes them without waiting) rather than wake the loop to do it: one
        # thread hand-off less per request. What the socket does not take stays buffered
        # and the loop sends it as the client reads.
        _flush_now(self.channel)

    def execute(self) -> None:
        front: _Front = self.channel.server.front
        waited = time.monotonic() - self.request.queued_at
        if self.request.queued_at and waited > front.limits.queue_wait_s:
            self.request.error = ServiceUnavailable(
                f"The server is busy: this request waited {waited:.0f} s for a thread, "
                f"longer than the query time limit. Try again in a moment.")
        elif problem := self.get_environment().get("ninek.prefix_error"):
            self.request.error = BadRequest(problem)
        if self.request.error is not None:
            self.complete = True
            _write_error(self)
            return
        super().execute()


def _flush_now(channel: _Channel) -> None:
    """Send what the socket takes now, unless the loop has closed the connection meanwhile
    (its socket is then gone: sending would raise inside waitress and print a traceback)."""
    with channel.outbuf_lock:
        if channel.connected and channel.socket is not None:
            channel._flush_exception(channel._flush_some, do_close=False)


def _serve_inline(channel: _Channel, task: Task) -> None:
    """Run ``task`` (the first of the channel's requests) here and now, as
    ``HTTPChannel.service`` would in a thread; the caller holds ``requests_lock``."""
    try:
        task.service()
    except ClientDisconnected:
        task.close_on_finish = True
    if task.close_on_finish:
        channel.close_when_flushed = True
        for request in channel.requests:
            request.close()
        channel.requests = []
    else:
        if channel.current_outbuf_count > 0:  # next answer in a new buffer, as waitress
            channel.current_outbuf_count = channel.adj.outbuf_high_watermark
        channel.requests.pop(0).close()
    channel.last_activity = time.time()
    _flush_now(channel)


# -- connections (event loop) ----------------------------------------------------------------
class _Channel(HTTPChannel):
    """A waitress channel with request deadlines and a lingering close after a refusal."""

    parser_class = _Parser
    task_class = _Task
    error_task_class = _ErrorTask
    request_started = 0.0
    linger_on_close = False
    _linger_until: float | None = None
    _lingered = 0

    def received(self, data: bytes) -> bool:
        before = self.request
        result = super().received(data)
        if self.request is not None and self.request is not before:
            self.request_started = time.monotonic()  # a new request's first byte
        return result

    def check_deadlines(self, now: float) -> None:
        """Run by the loop every :data:`TICK_S`: close this connection if it is late."""
        if self._linger_until is not None:
            if now > self._linger_until:
                self.will_close = True
            return
        if self.will_close or self.close_when_flushed:
            return
        if self.requests:  # the application has it; its own time limits apply
            if self.request is not None:
                self.request_started = now  # the next request is not read meanwhile
            return
        quiet = time.time() - self.last_activity
        if self.total_outbufs_len:  # an answer being sent
            late = quiet > SEND_TIMEOUT_S
        elif self.request is None:
            late = quiet > IDLE_TIMEOUT_S
        elif not self.request.headers_finished:
            late = now - self.request_started > HEADERS_TIMEOUT_S
        else:
            late = now - self.request_started > REQUEST_TIMEOUT_S
        if late:
            self.will_close = True

    def handle_close(self) -> None:
        # Under the output lock, so that an application thread flushing its answer sees
        # either an open socket or a closed channel, never a socket that is gone.
        with self.outbuf_lock:
            if self.linger_on_close and self._linger_until is None and self.connected:
                try:
                    self.socket.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                else:
                    self._linger_until = time.monotonic() + LINGER_S
                    self.will_close = False
                    return
            super().handle_close()

    def send(self, data: bytes, do_close: bool = True) -> int:
        if self.socket is None:  # closed by the loop: as if the client had left
            self.connected = False
            return 0
        return super().send(data, do_close=do_close)

    def readable(self) -> bool:
        if self._linger_until is not None:
            return True
        return super().readable()

    def writable(self) -> bool:
        if self._linger_until is not None:
            return self.will_close
        return super().writable()

    def handle_read(self) -> None:
        if self._linger_until is None:
            super().handle_read()
            return
        try:
            data = self.recv(256 << 10)  # at end of file it has called handle_close itself
        except OSError:
            super().handle_close()
            return
        self._lingered += len(data)
        if data and self._lingered >= LINGER_BYTES:
            super().handle_close()


class _Server(TcpWSGIServer):
    channel_class = _Channel
    front: _Front

    def add_task(self, channel: _Channel) -> None:  # type: ignore[override]
        """Hand the channel's first request to the application threads, unless the front
        answers it itself, here: ``/health`` (liveness must not wait behind heavy requests),
        a refusal of its own (413, 431, 400), or 503 when every thread is busy and
        :attr:`FrontLimits.queued_requests` requests already wait. Called with the channel's
        ``requests_lock`` held, by the loop or by a thread that finished the one before."""
        front = self.front
        while channel.requests:
            if channel.will_close or channel.close_when_flushed:
                for request in channel.requests:
                    request.close()
                channel.requests = []
                return
            request = channel.requests[0]
            if request.error is not None:
                _serve_inline(channel, _ErrorTask(channel, request))
            elif front.health is not None and front.is_health(channel, request):
                _serve_inline(channel, _HealthTask(channel, request))
            elif self._queue_full(front.limits.queued_requests):
                request.error = ServiceUnavailable(
                    "The server is busy: every thread is working and "
                    f"{front.limits.queued_requests} requests are waiting. Try again in "
                    f"{RETRY_AFTER_S} s.")
                _serve_inline(channel, _ErrorTask(channel, request))
            else:
                request.queued_at = time.monotonic()
                self.task_dispatcher.add_task(channel)
                return

    def _queue_full(self, limit: int) -> bool:
        dispatcher = self.task_dispatcher  # read without its lock: a bound, not a count
        if len(dispatcher.queue) < limit:
            return False
        idle = len(dispatcher.threads) - dispatcher.stop_count - dispatcher.active_count
        return idle <= 0

    def maintenance(self, now: float) -> None:
        clock = time.monotonic()
        for channel in list(self.active_channels.values()):
            channel.check_deadlines(clock)


class _SignalWakeup(wasyncore.file_dispatcher):
    """The read end of the pipe gunicorn's worker gives ``signal.set_wakeup_fd``: a signal
    (SIGTERM, ...) ends the loop's wait at once."""

    def writable(self) -> bool:
        return False

    def handle_read(self) -> None:
        try:
            self.recv(512)
        except OSError:
            pass


@dataclass
class _Front:
    log: Any
    proxies: _Proxies
    multiprocess: bool
    limits: FrontLimits
    #: The path prefix from the environment (a trusted proxy's header overrides it).
    script_name: str = ""
    #: The application's answer to ``GET /health`` (status, headers, body), or None.
    health: tuple[str, list[tuple[str, str]], bytes] | None = None

    def is_health(self, channel: _Channel, request: _Parser) -> bool:
        """Whether ``request`` is a ``GET`` or ``HEAD`` of the application's ``/health``,
        without a body or a query string (``/health?...`` goes to the application, which
        answers it the same way: the benchmark's baseline is that route of the framework)."""
        if request.command not in ("GET", "HEAD") or request.chunked or request.query \
                or request.content_length or not request.path.endswith("/health"):
            return False
        prefix = self.script_name
        if request.script_name is not None and self.proxies.trusts(channel.addr[0]):
            prefix = request.script_name
        return request.path == prefix.rstrip("/") + "/health"


# -- the gunicorn worker ---------------------------------------------------------------------
class FrontWorker(Worker):
    """gunicorn worker: waitress channels in an event loop, ``cfg.threads`` application
    threads, ``cfg.worker_connections`` connections at most."""

    def init_process(self) -> None:
        _raise_open_files(self.cfg.worker_connections + 256)
        # A warning per request whenever every thread is busy is noise, not news.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        super().init_process()

    def run(self) -> None:
        limits: FrontLimits = getattr(self.app, "front_limits", None) or FrontLimits()
        adj = limits.adjustments(max(1, self.cfg.threads), self.cfg.worker_connections,
                                 self.cfg.backlog)
        front = _Front(self.log, _Proxies(self.cfg), self.cfg.workers > 1, limits,
                       os.environ.get("SCRIPT_NAME", ""), self._health())
        socket_map: dict = {}
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(adj.threads)
        servers = []
        for listener in self.sockets:
            sock = getattr(listener, "sock", listener)
            if sock.family not in (socket.AF_INET, socket.AF_INET6):
                raise RuntimeError("the front serves TCP sockets only")
            sockinfo = (sock.family, sock.type, sock.proto, sock.getsockname())
            server = _Server(self.wsgi, socket_map, _sock=sock, dispatcher=dispatcher,
                             adj=adj, bind_socket=False, sockinfo=sockinfo)
            server.server_name = str(sockinfo[3][0])
            server.front = front
            servers.append(server)
        _SignalWakeup(self.PIPE[0], socket_map)

        beat = 0.0
        while self.alive:
            now = time.monotonic()
            if now - beat >= TICK_S:
                self.notify()
                beat = now
                if self.ppid != os.getppid():
                    self.log.info("Parent changed, shutting down: %s", self)
                    break
            wasyncore.poll2(TICK_S, socket_map)
        self._stop(servers, socket_map, dispatcher)

    def _health(self) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The application's own answer to ``GET /health`` (its status, headers and body,
        less those waitress sets), asked once, so the loop can give it without a thread."""
        from werkzeug.test import EnvironBuilder

        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> None:
            answer["status"], answer["headers"] = status, headers

        try:
            environ = EnvironBuilder(path="/health", base_url="http://localhost").get_environ()
            chunks = self.wsgi(environ, start_response)
            try:
                body = b"".join(chunks)
            finally:
                getattr(chunks, "close", lambda: None)()
        except Exception:  # noqa: BLE001 - then /health goes to the application as before
            self.log.exception("GET /health failed at start; it is not answered by the loop")
            return None
        if not answer.get("status", "").startswith("200"):
            return None
        dropped = {"content-length", "date", "server", "connection"}
        headers = [(name, value) for name, value in answer["headers"]
                   if name.lower() not in dropped]
        return answer["status"], headers, body

    def _stop(self, servers: list, socket_map: dict, dispatcher: ThreadedTaskDispatcher) -> None:
        """Graceful stop: take no new connection, finish the requests under way and send
        their answers (within gunicorn's graceful_timeout), drop the rest."""
        for server in servers:
            wasyncore.dispatcher.close(server)  # the listening socket: refuse from now on
        deadline = time.monotonic() + max(0.0, self.cfg.graceful_timeout - 0.5)
        while time.monotonic() < deadline:
            busy = False
            for item in list(socket_map.values()):
                if isinstance(item, _Channel):
                    if item.requests or item.total_outbufs_len:
                        busy = True
                    elif not item.will_close:
                        item.will_close = True  # idle or half-read: close now
            if not busy and not any(isinstance(i, _Channel) for i in socket_map.values()):
                break
            self.notify()
            wasyncore.poll2(0.1, socket_map)
        dispatcher.shutdown(cancel_pending=True, timeout=0.5)
        wasyncore.close_all(socket_map, ignore_all=True)


def _raise_open_files(wanted: int) -> None:
    """Let this process hold ``wanted`` descriptors if the hard limit allows it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # pragma: no cover - not allowed here
            pass
