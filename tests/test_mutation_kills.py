"""Tests written for the mutants that survived ``mutation/run.sh`` (see mutation/results.md).

Each test names the mutant it kills (``file:line: mutation`` of the run's commit). They test
the boundaries the existing tests stepped over: exactly at a cap, zero, one entry, the
replaced key, the order of use.
"""

from __future__ import annotations

from ninek_graph.lru import BoundedLRU


def _lru(entries: int, max_bytes: int) -> BoundedLRU[bytes]:
    return BoundedLRU(entries, max_bytes, len)


# lru.py:24 `max(0, ...)` -> `max(1, ...)`: a negative or zero budget is exactly zero bytes.
def test_lru_budget_below_zero_is_zero() -> None:
    assert _lru(4, -5).max_bytes == 0
    assert _lru(4, 0).max_bytes == 0
    assert _lru(-3, 100).entries == 0


# lru.py:32 `self.entries > 0` -> `>= 0`: a cache of zero entries accepts nothing.
def test_lru_of_zero_entries_accepts_nothing() -> None:
    cache = _lru(0, 1000)
    assert not cache.accepts(1)
    cache.put("k", b"x")
    assert cache.get("k") is None and cache.bytes == 0


# lru.py:32 `> 0` -> `> 1`: a cache of exactly one entry keeps that one entry.
def test_lru_of_one_entry_keeps_one() -> None:
    cache = _lru(1, 1000)
    assert cache.accepts(1)
    cache.put("a", b"x")
    assert cache.get("a") == b"x"
    cache.put("b", b"y")
    assert cache.get("a") is None and cache.get("b") == b"y"


# lru.py:32 `size <= max_bytes // 4`: exactly a quarter is kept, one byte more is not.
def test_lru_keeps_a_value_of_exactly_a_quarter_of_the_budget() -> None:
    cache = _lru(10, 400)
    assert cache.accepts(100) and not cache.accepts(101)
    cache.put("a", b"x" * 100)
    cache.put("b", b"x" * 101)
    assert cache.get("a") is not None and cache.get("b") is None


# lru.py:38 `move_to_end` deleted: reading an entry makes it the most recently used.
def test_lru_get_protects_an_entry_from_eviction() -> None:
    cache = _lru(2, 1000)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"
    cache.put("c", b"3")  # evicts the least recently used: b, not a
    assert cache.get("b") is None
    assert cache.get("a") == b"1" and cache.get("c") == b"3"


# lru.py:48 `self.bytes -= size_of(old)` -> `+=`: replacing a key counts only the new value.
def test_lru_replacing_a_key_counts_only_the_new_value() -> None:
    cache = _lru(10, 1000)
    cache.put("a", b"x" * 50)
    cache.put("a", b"x" * 20)
    assert cache.bytes == 20 and len(cache.items) == 1


# lru.py:51 `len(items) > entries` / `bytes > max_bytes` -> `>=`: a cache filled exactly to
# its count and to its byte budget keeps everything.
def test_lru_filled_exactly_to_both_caps_keeps_everything() -> None:
    cache = _lru(4, 400)
    for key in "abcd":
        cache.put(key, b"x" * 100)
    assert cache.bytes == 400 and all(cache.get(key) is not None for key in "abcd")
    cache.put("e", b"x")  # one past the count: the least recently used goes
    assert cache.get("a") is None and cache.bytes == 301
