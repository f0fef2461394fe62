"""Answers as HTTP responses: caching, ETags and the headers every answer carries.

The graph is immutable between builds, so an answer is a pure function of (build, query,
parameters, dataset, media type). :class:`AnswerCache` keeps recent answers in memory so a
repeated canned query is not evaluated again; the ETag is a hash of the same key, so a
client that already has the answer gets 304 without the store being asked at all.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, current_app, request


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


class AnswerCache:
    """A thread-safe LRU of answers, bounded by count and by the bytes of their bodies; an
    answer larger than a quarter of the byte budget is not kept (it would push out most
    of the others)."""

    def __init__(self, entries: int, max_bytes: int = 64 << 20):
        self._entries = max(0, int(entries))
        self._max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[str, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def get(self, key: str) -> Answer | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: str, answer: Answer) -> None:
        size = len(answer.body)
        if self._entries == 0 or size > self._max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._items[key] = answer
            self._bytes += size
            while len(self._items) > self._entries or self._bytes > self._max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)


def answer_key(*parts: object) -> str:
    """A stable key (and ETag) for an answer: the build tag plus what was asked."""
    digest = hashlib.sha256()
    digest.update(current_app.extensions["ninek_build"].encode())
    for part in parts:
        digest.update(b"\x00" + repr(part).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def not_modified(key: str) -> Response | None:
    """304 if the client's If-None-Match already names this answer."""
    if request.if_none_match and request.if_none_match.contains_weak(key):
        response = Response(status=304)
        _cache_headers(response, key)
        return response
    return None


def cached_answer(key: str, compute: Callable[[], Answer]) -> Response:
    """The answer under ``key``: 304 if the client has it, from the cache if this process
    made it before, else ``compute()`` (kept for next time)."""
    unchanged = not_modified(key)
    if unchanged is not None:
        return unchanged
    cache = current_app.extensions["ninek_cache"]
    answer = cache.get(key)
    if answer is None:
        answer = compute()
        cache.put(key, answer)
    return respond(answer, key)


def respond(answer: Answer, key: str, *, status: int = 200) -> Response:
    response = Response(answer.body, status=status, content_type=answer.content_type)
    for name, value in answer.headers:
        response.headers[name] = value
    _cache_headers(response, key)
    return response


def _cache_headers(response: Response, key: str) -> None:
    response.set_etag(key)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Vary"] = "Accept"
