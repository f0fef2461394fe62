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

from collections.abc import Callable, Iterable

from .lru import BoundedLRU

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
        self._lru: BoundedLRU[_Stored] = BoundedLRU(entries, max_bytes,
                                                    lambda stored: len(stored[2]))
        self.hits = 0

    @property
    def max_bytes(self) -> int:
        return self._lru.max_bytes

    @max_bytes.setter
    def max_bytes(self, value: int) -> None:
        self._lru.max_bytes = value

    @property
    def _items(self):
        return self._lru.items

    @property
    def _bytes(self) -> int:
        return self._lru.bytes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self._key(environ) if self._lru.entries else None
        if key is None:
            return self.app(environ, start_response)
        stored = self._lru.get(key)
        if stored is not None:
            self.hits += 1
            status, headers, body = stored
            start_response(status, list(headers))
            return [body]
        seen: dict = {}

        def remember(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, remember)
        if not _storable(seen.get("status", ""), seen.get("headers", ()), self._lru):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._lru.put(key, (seen["status"], tuple(seen["headers"]), body))
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


def _storable(status: str, headers, lru: BoundedLRU) -> bool:
    if not status.startswith("200 "):
        return False
    names = {name.lower(): value for name, value in headers}
    if "etag" not in names or "set-cookie" in names:
        return False
    directives = {d.strip().split("=")[0] for d in names.get("cache-control", "").split(",")}
    if "public" not in directives or directives & {"private", "no-store", "no-cache"}:
        return False
    length = names.get("content-length")
    return length is not None and length.isdigit() and lru.accepts(int(length))
