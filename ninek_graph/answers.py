"""Answers as HTTP responses: caching, ETags and the headers every answer carries.

The graph is immutable between builds, so an answer is a pure function of (build, query,
parameters, dataset, media type). :class:`AnswerCache` keeps recent answers in memory so a
repeated canned query is not evaluated again; the ETag is a hash of the same key, so a
client that already has the answer gets 304 without the store being asked at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, current_app, request

from .lru import BoundedLRU


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


class AnswerCache:
    """Recent answers by key (a :class:`~ninek_graph.lru.BoundedLRU` of their bodies), with
    hit and miss counts."""

    def __init__(self, entries: int, max_bytes: int = 64 << 20):
        self._lru: BoundedLRU[Answer] = BoundedLRU(entries, max_bytes,
                                                   lambda answer: len(answer.body))
        self.hits = self.misses = 0

    @property
    def size_bytes(self) -> int:
        return self._lru.bytes

    def get(self, key: str) -> Answer | None:
        answer = self._lru.get(key)
        if answer is None:
            self.misses += 1
        else:
            self.hits += 1
        return answer

    def put(self, key: str, answer: Answer) -> None:
        self._lru.put(key, answer)


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
