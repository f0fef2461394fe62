"""A thread-safe least-recently-used map bounded by count and by bytes.

Shared by the answer cache (:mod:`.answers`) and the whole-response cache
(:mod:`.response_cache`): both keep bodies that depend only on the build, and both must stay
within a memory budget however large a single answer is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class BoundedLRU(Generic[V]):
    """Up to ``entries`` values whose ``size_of`` add up to at most ``max_bytes``; a value
    larger than a quarter of ``max_bytes`` is not kept (it would push out most others)."""

    def __init__(self, entries: int, max_bytes: int, size_of: Callable[[V], int]):
        self.entries = max(0, int(entries))
        self.max_bytes = max(0, int(max_bytes))
        self._size_of = size_of
        self.items: OrderedDict[Hashable, V] = OrderedDict()
        self.bytes = 0
        self._lock = threading.Lock()

    def accepts(self, size: int) -> bool:
        """Whether a value of ``size`` bytes would be kept."""
        return self.entries > 0 and size <= self.max_bytes // 4

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        size = self._size_of(value)
        if not self.accepts(size):
            return
        with self._lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.bytes -= self._size_of(old)
            self.items[key] = value
            self.bytes += size
            while len(self.items) > self.entries or self.bytes > self.max_bytes:
                _, dropped = self.items.popitem(last=False)
                self.bytes -= self._size_of(dropped)
