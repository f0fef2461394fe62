"""Canned queries: the files in ``queries/`` as data, with their declared parameters.

A canned query is a SPARQL SELECT in ``queries/NAME.rq`` whose leading comment block says
what it is::

    # title: Projects of a municipality
    # description: ...
    # param: municipality | string | required | municipality name or number

Each parameter ``NAME`` is the variable ``?NAME`` of the query, or the variable an optional
fifth field names (``| ?municipalityKey``: the request still says ``municipality=...``, and
``?municipality`` is free to be the answer's IRI); a ``key`` parameter is a
string put in :func:`~ninek_graph.keys.match_key` form, to be matched with ``nk:matchKey``.
Values are bound as typed RDF terms (pyoxigraph's SEP-0007 substitution; a remote back-end
gets an escaped VALUES block), never pasted into the query text, so a value cannot change
what the query does. A
parameter variable is also projected, so the answer says what it was asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .backend import QueryError, Term
from .keys import match_key
from .paths import QUERIES_DIR

PARAM_TYPES = ("string", "key", "integer", "iri")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|^`\\]*$")
MAX_NAMED = 10  # unknown parameters an error message names (the rest are counted)


class ParameterError(QueryError):
    """A missing or malformed parameter (400, naming the parameter)."""


class UnknownQuery(QueryError):
    status = 404


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    required: bool
    help: str
    variable: str = ""  # the query variable bound; empty: the parameter's name

    def __post_init__(self) -> None:
        if not self.variable:
            object.__setattr__(self, "variable", self.name)

    def bind(self, raw: str | None) -> Term:
        """The RDF term for the raw value (``None``: use the default or fail).

        A ``key`` is put in its normal form *before* the required check: white space alone
        (a space, a tab, a no-break space) normalises to nothing, and must be the 400 of a
        missing parameter, not a bound ``''`` that quietly matches no row."""
        if raw is not None and self.type == "key":
            raw = match_key(raw)
        if raw is None or raw == "":
            if self.required:
                raise ParameterError(
                    f"missing required parameter {self.name!r}: {self.help}"
                )
            raw = self.default or ""
        if "\x00" in raw:
            raise ParameterError(f"parameter {self.name!r} contains a NUL character")
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?\d{1,18}", raw.strip()):
                raise ParameterError(f"parameter {self.name!r} must be an integer, not {raw!r}")
            return Term("literal", str(int(raw)), "http://www.w3.org/2001/XMLSchema#integer")
        if self.type == "key":  # compared with nk:matchKey, see keys.py
            return Term("literal", match_key(raw))
        if self.type == "iri":
            if not IRI.match(raw):
                raise ParameterError(
                    f"parameter {self.name!r} must be an absolute IRI, not {raw!r}"
                )
            return Term("uri", raw)
        return Term("literal", raw)


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    def bindings(self, raw: dict[str, str]) -> dict[str, Term]:
        unknown = sorted(set(raw) - {p.name for p in self.parameters})
        if unknown:
            expected = ", ".join(p.name for p in self.parameters) or "none"
            named = ", ".join(name[:60] for name in unknown[:MAX_NAMED])
            if len(unknown) > MAX_NAMED:
                named += f" and {len(unknown) - MAX_NAMED:,} more"
            raise ParameterError(
                f"unknown parameter(s) {named} for query {self.name!r}; it takes: {expected}"
            )
        return {p.variable: p.bind(raw.get(p.name)) for p in self.parameters}


def parse_file(path: Path) -> CannedQuery:
    """Read one ``.rq`` file and its header; raise ValueError naming the file if the header
    is malformed."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    parameters = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        key, value = key.strip(), value.strip()
        if key == "param":
            parts = [part.strip() for part in value.split("|")]
            variable = parts.pop() if len(parts) == 5 else ""
            if len(parts) != 4 or parts[1] not in PARAM_TYPES or (
                    variable and not re.fullmatch(r"\?[A-Za-z_][A-Za-z0-9_]*", variable)):
                raise ValueError(f"{path.name}: malformed param line {line!r}")
            name, kind, default, help_text = parts
            required = default == "required"
            parameters.append(
                Parameter(name, kind, None if required else default, required, help_text,
                          variable.lstrip("?"))
            )
        elif key in ("title", "description"):
            header[key] = value
    if "title" not in header or "description" not in header:
        raise ValueError(f"{path.name}: the header needs '# title:' and '# description:'")
    return CannedQuery(path.stem, header["title"], header["description"], text, tuple(parameters))


@lru_cache(maxsize=4)
def _load_all(directory: str) -> dict[str, CannedQuery]:
    queries = {}
    for path in sorted(Path(directory).glob("*.rq")):
        if NAME.match(path.stem):
            queries[path.stem] = parse_file(path)
    return queries


def all_queries(directory: Path = QUERIES_DIR) -> dict[str, CannedQuery]:
    return _load_all(str(directory))


def get(name: str, directory: Path = QUERIES_DIR) -> CannedQuery:
    queries = all_queries(directory)
    if name not in queries:
        raise UnknownQuery(
            f"no canned query named {name!r}; there are: {', '.join(sorted(queries))}"
        )
    return queries[name]
