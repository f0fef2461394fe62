"""Whole responses kept in front of the application, as a caching proxy would keep them.

The graph is immutable between builds and every answer the application marks cacheable
(``200``, an ``ETag``, ``Cache-Control: public``; see :mod:`.answers`) is a pure function of
the request. The :class:`~ninek_graph.answers.AnswerCache` already spares the store; this
WSGI layer also spares the framework: a repeated request is answered from a dictionary lookup
without routing, parameter parsing, negotiation or response building (about 40 µs of Flask
work per cached canned query, a third of the whole cost of a request on this machine).

What may be answered from here is deliberately narrow, so that a stored response can only be
returned for a request that would have produced exactly it:

* GET without a body, and only when every header the request carries is one the key includes
  (Host, Accept, Accept-Encoding, Accept-Language, Cookie, Origin) or one no answer depends on
  (User-Agent, Connection). Anything else (If-None-Match, Range, Authorization, a proxy's
  X-Forwarded-*) goes to the application, which answers it itself;
* only responses of status 200 with an ETag and ``Cache-Control: public``, no Set-Cookie,
  and a Content-Length up to a quarter of the byte budget (downloads of the dumps stream
  through untouched).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

KEY_HEADERS = ("HTTP_HOST", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE",
               "HTTP_COOKIE", "HTTP_ORIGIN")
IGNORED_HEADERS = frozenset({"HTTP_USER_AGENT", "HTTP_CONNECTION"})
ALLOWED_HEADERS = frozenset(KEY_HEADERS) | IGNORED_HEADERS

_Stored = tuple[str, tuple[tuple[str, str], ...], bytes]


class ResponseCache:
    """WSGI middleware: an LRU of up to ``entries`` whole responses (0 turns it off) whose
    bodies take at most ``max_bytes`` together."""

    def __init__(self, app: Callable, entries: int, max_bytes: int = 64 << 20):
        self.app = app
        self.entries = max(0, int(entries))
        self.max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[tuple, _Stored] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self._key(environ) if self.entries else None
        if key is None:
            return self.app(environ, start_response)
        with self._lock:
            stored = self._items.get(key)
            if stored is not None:
                self._items.move_to_end(key)
                self.hits += 1
        if stored is not None:
            status, headers, body = stored
            start_response(status, list(headers))
            return [body]
        seen: dict = {}

        def remember(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else \
                start_response(status, headers)

        result = self.app(environ, remember)
        if not _storable(seen.get("status", ""), seen.get("headers", ()), self.max_bytes // 4):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old[2])
            self._items[key] = (seen["status"], tuple(seen["headers"]), body)
            self._bytes += len(body)
            while len(self._items) > self.entries or self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped[2])
        return [body]

    @staticmethod
    def _key(environ: dict) -> tuple | None:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("CONTENT_LENGTH") not in (
                None, "", "0"):
            return None
        if "HTTP_HOST" not in environ:
            return None
        for name in environ:
            if name.startswith("HTTP_") and name not in ALLOWED_HEADERS:
                return None
        return (environ.get("wsgi.url_scheme"), environ.get("SCRIPT_NAME", ""),
                environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                *(environ.get(name) for name in KEY_HEADERS))


def _storable(status: str, headers, max_body: int) -> bool:
    if not status.startswith("200 "):
        return False
    names = {name.lower(): value for name, value in headers}
    if "etag" not in names or "set-cookie" in names:
        return False
    if not names.get("cache-control", "").startswith("public"):
        return False
    length = names.get("content-length")
    return length is not None and length.isdigit() and int(length) <= max_body
