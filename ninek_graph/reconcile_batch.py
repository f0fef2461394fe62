"""Reading a batch of reconciliation queries, checked field by field.

Section "Sending Reconciliation Queries to a Service" of the W3C Reconciliation API 0.2: a
batch is a JSON object mapping query ids to queries ("Structure of a Reconciliation Query").
Everything a client sends is checked here, before the index sees it, against the limits in
:mod:`.reconcile`; every problem is a :class:`~.reconcile.ReconcileInputError` whose message
names the query and the field and says what to change.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .reconcile import (
    DEFAULT_LIMIT,
    MAX_BATCH,
    MAX_BATCH_CHARS,
    MAX_LIMIT,
    MAX_PROPERTIES,
    MAX_TEXT,
    MAX_TYPES,
    MAX_VALUES,
    PROPERTIES,
    PROPERTY_BY_ID,
    ReconcileInputError,
)

QUERY_KEYS = frozenset({"query", "type", "limit", "properties", "type_strict"})


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked (section "Structure of a Reconciliation Query")."""

    text: str | None
    types: tuple[str, ...] = ()
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    properties: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _reject_constant(name: str):
    raise ReconcileInputError(f"`queries` is not valid JSON: {name} is not a JSON number.")


#: Most digits of any number the reconciliation service reads (a JSON integer in a batch,
#: ``cursor`` and ``limit`` of the suggest services): limits and years need a few; Python
#: refuses to read more than 4300 with a message about its own internals. One rule for every
#: path: 18 digits are read, 19 are a 400 (README, Security).
MAX_DIGITS = 18


def checked_integer(text: str, what: str) -> int:
    """``text`` (digits, maybe a leading minus) as an int, or a 400 naming ``what`` when it
    has more than :data:`MAX_DIGITS` digits."""
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise ReconcileInputError(
            f"{what} holds a number with {digits:,} digits; numbers have at most "
            f"{MAX_DIGITS} digits.")
    return int(text)


def _parse_int(text: str) -> int:
    return checked_integer(text, "`queries`")


def _parse_float(text: str) -> float:
    """A JSON number with a fraction or exponent: its digits before the point count as an
    integer's do (``1e30`` is a number of 31 digits: refused like one)."""
    value = float(text)
    if math.isfinite(value) and abs(value) >= 10**MAX_DIGITS:
        raise ReconcileInputError(
            f"`queries` holds the number {text[:40]}, of more than {MAX_DIGITS} digits; "
            f"numbers have at most {MAX_DIGITS} digits.")
    return value


def parse_batch(text: str) -> dict[str, Query]:
    """A reconciliation query batch from its JSON text, checked field by field."""
    if len(text) > MAX_BATCH_CHARS:
        raise ReconcileInputError(
            f"`queries` has {len(text):,} characters; at most {MAX_BATCH_CHARS:,} are "
            f"accepted. Send at most {MAX_BATCH} queries per batch.")
    try:
        raw = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int,
                         parse_float=_parse_float)
    except json.JSONDecodeError as error:
        raise ReconcileInputError(
            f"`queries` is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}.") from None
    except (ValueError, RecursionError) as error:
        if isinstance(error, ReconcileInputError):
            raise
        raise ReconcileInputError(f"`queries` is not valid JSON: {error}.") from None
    if not isinstance(raw, dict):
        raise ReconcileInputError(
            "`queries` must be a JSON object mapping query ids to queries, e.g. "
            '{"q0": {"query": "Tønsberg", "type": "municipality"}}; got a JSON '
            f"{_json_kind(raw)}.")
    if len(raw) > MAX_BATCH:
        raise ReconcileInputError(
            f"The batch has {len(raw)} queries; at most {MAX_BATCH} are accepted per request "
            "(the manifest's batchSize). Split it into smaller batches.")
    return {key: parse_query(key, value) for key, value in raw.items()}


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", int: "number",
            float: "number"}.get(type(value), type(value).__name__)


def _text(value, where: str) -> str:
    if not isinstance(value, str):
        raise ReconcileInputError(f"{where} must be a string, not a JSON {_json_kind(value)}.")
    if len(value) > MAX_TEXT:
        raise ReconcileInputError(
            f"{where} has {len(value):,} characters; at most {MAX_TEXT} are accepted.")
    return value


def parse_query(key: str, raw) -> Query:
    """One reconciliation query; every problem is reported with the query's id."""
    where = f"Query {key!r}"
    if len(key) > MAX_TEXT:
        raise ReconcileInputError(f"A query id has {len(key):,} characters; at most "
                                  f"{MAX_TEXT} are accepted.")
    if not isinstance(raw, dict):
        raise ReconcileInputError(f"{where} must be a JSON object, not a JSON "
                                  f"{_json_kind(raw)}.")
    unknown = sorted(set(raw) - QUERY_KEYS)
    if unknown:
        raise ReconcileInputError(
            f"{where} has unknown field(s) {', '.join(map(repr, unknown))}; the fields are "
            f"{', '.join(sorted(QUERY_KEYS))}.")
    text = None
    if "query" in raw:
        text = _text(raw["query"], f"{where}: `query`").strip() or None
    properties = _parse_properties(raw.get("properties"), where) if "properties" in raw else ()
    if text is None and not properties:
        raise ReconcileInputError(
            f"{where} has neither a non-empty `query` string nor `properties`; give at least "
            "one of them.")
    types: tuple[str, ...] = ()
    if "type" in raw:
        value = raw["type"]
        items = value if isinstance(value, list) else [value]
        if len(items) > MAX_TYPES:
            raise ReconcileInputError(f"{where}: `type` lists more than {MAX_TYPES} types.")
        types = tuple(_text(t, f"{where}: `type`") for t in items)
    strict = raw.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise ReconcileInputError(
            f"{where}: `type_strict` must be \"any\", \"should\" or \"all\", not "
            f"{json.dumps(strict, ensure_ascii=False)[:60]}.")
    limit = DEFAULT_LIMIT
    if "limit" in raw:
        value = raw["limit"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ReconcileInputError(
                f"{where}: `limit` must be a number (a positive integer), not a JSON "
                f"{_json_kind(value)}.")
        if not math.isfinite(value) or value != int(value) or value < 1:
            raise ReconcileInputError(f"{where}: `limit` must be a positive integer, not "
                                      f"{value}.")
        limit = min(int(value), MAX_LIMIT)
    return Query(text, types, strict, limit, properties)


def _parse_properties(raw, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, list):
        raise ReconcileInputError(f"{where}: `properties` must be an array of "
                                  '{"pid": ..., "v": ...} objects.')
    if len(raw) > MAX_PROPERTIES:
        raise ReconcileInputError(f"{where}: at most {MAX_PROPERTIES} properties are accepted.")
    parsed = []
    for n, item in enumerate(raw):
        here = f"{where}: properties[{n}]"
        if not isinstance(item, dict) or "pid" not in item or "v" not in item:
            raise ReconcileInputError(f'{here} must be an object with "pid" and "v".')
        pid = _text(item["pid"], f"{here}.pid")
        if pid not in PROPERTY_BY_ID:
            raise ReconcileInputError(
                f"{here}: unknown property {pid!r}; the properties are "
                f"{', '.join(p.id for p in PROPERTIES)} (see /reconcile/suggest/property).")
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        if len(values) > MAX_VALUES:
            raise ReconcileInputError(f"{here}.v has more than {MAX_VALUES} values.")
        parsed.append((pid, tuple(_property_value(v, f"{here}.v") for v in values)))
    return tuple(parsed)


def _property_value(value, where: str) -> str:
    """A property value as text: strings, numbers, booleans, or an entity ``{"id": ...}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if math.isfinite(value) and value == int(value) else str(value)
    if isinstance(value, dict):
        if "id" not in value:
            raise ReconcileInputError(f'{where}: an entity value needs an "id".')
        return _text(value["id"], f"{where}.id")
    if isinstance(value, str):
        return _text(value, where)
    raise ReconcileInputError(f"{where} must be a string, number, boolean or "
                              f'{{"id": ...}}, not a JSON {_json_kind(value)}.')
