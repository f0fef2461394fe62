"""One structured log line per refused, timed-out or crashed request (``ninek_graph.security``).

What an operator needs to see abuse, or a query that keeps failing, without a debugger: one
JSON object per line on the server's stderr, with

* ``event``: ``refused`` (400, 403, 413), ``timeout`` (a query stopped at its time limit,
  503), ``unavailable`` (another 503), ``error`` (500, 502), ``client_gone`` (the client left
  before its answer was made);
* ``status``, ``reason`` (the message the client got, or for a crash the exception's class),
  ``client`` (the peer address: behind a proxy, the proxy's), ``method``, ``path``;
* ``query``: at most :data:`MAX_TEXT` characters of the query text (or, for other requests,
  of the path and query string), with every control, line-separator and format character
  written as an escape (``\\n``, ``\\u001b``...), so nothing a client sends can start a line
  of its own, move the cursor or reorder text in a terminal; ``query_chars``: its full
  length.

The request body is read for the query text only when it was accepted (never for a 413).
Logging never raises: a failure to describe the request logs what it could.
"""

from __future__ import annotations

import json
import logging
import sys
import unicodedata

from flask import current_app, request

log = logging.getLogger("ninek_graph.security")

MAX_TEXT = 200
EVENTS = {400: "refused", 403: "refused", 413: "refused", 500: "error", 502: "error",
          503: "unavailable"}
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


class _Stderr(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is when a line is written (as the
    logging module's last-resort handler does), so a replaced stderr is followed."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def install() -> None:
    """Make sure the lines reach stderr at INFO when nothing else configured logging
    (gunicorn configures only its own loggers)."""
    if not log.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """At most ``limit`` characters of ``text``, escapes included, every character that
    is not printable text written as an escape."""
    out: list[str] = []
    size = 0
    for char in text:
        piece = _ESCAPES.get(char)
        if piece is None:
            category = unicodedata.category(char)
            if category[0] == "C" or category in ("Zl", "Zp"):
                code = ord(char)
                piece = f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
            else:
                piece = char
        if size + len(piece) > limit:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out)


def record(status: int, reason: str, *, event: str | None = None) -> None:
    """Log one line for this request's error response, if its status is one to log."""
    event = event or EVENTS.get(status)
    if event is None:
        return
    try:
        text = request_text(status)
        line = {"event": event, "status": status, "reason": clip(reason, 300),
                "client": request.remote_addr, "method": request.method,
                "path": clip(request.path), "query": clip(text), "query_chars": len(text)}
    except Exception as error:  # noqa: BLE001 - the log line must not fail the request
        line = {"event": event, "status": status, "reason": clip(reason, 300),
                "note": f"request not described: {type(error).__name__}"}
    level = logging.INFO if status == 400 else logging.WARNING
    log.log(level, json.dumps(line, ensure_ascii=False))


def request_text(status: int) -> str:
    """The query the request carried: a SPARQL query (URL, form or body), a canned
    query's name and parameters, or else the path's query string."""
    path = request.path
    if path.endswith("/sparql"):
        for name in ("query", "update"):
            if name in request.args:
                return request.args[name]
        return _body_query(status)
    if "/queries/" in path:
        return path.rsplit("/queries/", 1)[1] + "?" + _query_string()
    return _query_string() or _body_query(status)


def _query_string() -> str:
    return request.query_string.decode("utf-8", "replace")


def _body_query(status: int) -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    length = request.content_length
    if (status == 413 or request.method != "POST" or length is None
            or (limit is not None and length > limit)):
        return ""
    if request.mimetype in FORMS:  # parsed from the cached body if a view read it
        for name in ("query", "update", "queries"):
            if name in request.form:
                return request.form[name]
        return ""
    return request.get_data(cache=True).decode("utf-8", "replace")
