"""The embedded back-end: a pyoxigraph store queried in killable worker processes.

The store is loaded once, in the process that builds the back-end; queries never run in that
process but in :class:`~ninek_graph.workers.WorkerPool` children forked from it, so a
runaway query can be stopped at its deadline (pyoxigraph has no timeout of its own).

Dataset semantics (SPARQL 1.1 Query, section 13; Protocol, section 2.1.4): with neither
protocol dataset parameters nor FROM / FROM NAMED, the default graph is the union of the
published graphs (``use_default_graph_as_union``) and ``GRAPH`` sees each of them. Protocol
parameters replace the query's dataset; a dataset part left unnamed is then empty. A query's
own FROM / FROM NAMED is left to the engine, which only selects graphs already in the store.

Bounds: besides the row cap, an answer is cut at a size in bytes (``max_answer_mib``: the
bytes of SPARQL JSON for SELECT, of N-Triples for CONSTRUCT and DESCRIBE), in the worker,
before it crosses the pipe; the workers run sandboxed (no network, no files: see
:mod:`.sandbox`) and under a memory limit (``query_memory``).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ninek_graph import sandbox, settings, sparql_guard
from ninek_graph.backend import (
    BackendUnavailable,
    QueryError,
    QueryOutcome,
    QueryRefused,
    QuerySyntaxError,
    Term,
)
from ninek_graph.results import term_from_oxigraph, term_to_oxigraph
from ninek_graph.workers import LARGE_BLOCK, WorkerPool, trim_when_released

_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
_CHAR_CLASS = re.compile(r"\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]")


@dataclass(frozen=True)
class _Request:
    """What crosses the pipe to a worker (plain values only)."""

    text: str
    form: str
    substitutions: dict[str, Term] = field(default_factory=dict)
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    names_dataset: bool = False
    max_rows: int = 10_000
    max_bytes: int = 32 << 20
    base_iri: str | None = None


def syntax_error_from_oxigraph(error: SyntaxError, text: str) -> QuerySyntaxError:
    """pyoxigraph's ``error at LINE:COLUMN: expected ...`` (1-based) as a QuerySyntaxError
    whose message a person can read: character-class listings are shortened."""
    message = str(error)
    match = _POSITION.match(message)
    if match is None:
        return QuerySyntaxError(f"Syntax error: {message}")
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    if _CHAR_CLASS.search(detail):
        detail = _CHAR_CLASS.sub("", detail)
        detail = re.sub(r"(,\s*)+(?=,|$)", "", re.sub(r"\s+", " ", detail)).rstrip(", ")
        detail += " (or one of certain characters)"
    lines = text.splitlines() or [""]
    near = lines[line - 1][max(0, column - 11): column + 19].strip() if line <= len(lines) else ""
    where = f"line {line}, column {column}" + (f" (near {near!r})" if near else "")
    return QuerySyntaxError(f"Syntax error at {where}: {detail}", line, column)


# Between two solutions of pyoxigraph's SPARQL JSON: the end of one binding object and the
# start of the next. Inside a JSON string a quote is always escaped, so the pattern can only
# appear there when a literal ends in "},{"; and solutions with nothing bound ({}) have none.
# Either way the count is off, which the exact check in _answer_as_json notices.
_BETWEEN_SOLUTIONS = b'},{"'


class _JsonSink:
    """A binary sink for pyoxigraph's SPARQL JSON serializer that stops it after ``max_rows``
    solutions (the serializer pulls solutions lazily, so the rest are never computed) or
    past ``max_bytes``. ``cut_at`` is then the offset of the last byte of solution
    ``max_rows``."""

    def __init__(self, max_rows: int, max_bytes: int):
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.parts: list[bytes] = []
        self.size = 0
        self.boundaries = 0
        self.cut_at: int | None = None
        self.overflowed = False
        self._tail = b""

    def write(self, data) -> int:
        if self.cut_at is not None or self.overflowed:
            # pyoxigraph does not always give up at the first failed write: keep refusing.
            raise OSError("the serialization was stopped")
        data = bytes(data)
        window = self._tail + data
        offset = self.size - len(self._tail)
        self.parts.append(data)
        self.size += len(data)
        found = window.count(_BETWEEN_SOLUTIONS)
        if self.boundaries + found >= self.max_rows:
            position = -1
            for _ in range(self.max_rows - self.boundaries):
                position = window.find(_BETWEEN_SOLUTIONS, position + 1)
            self.cut_at = offset + position
            raise OSError("the answer has more solutions than the cap")
        self.boundaries += found
        if self.size > self.max_bytes:
            self.overflowed = True
            raise OSError("the answer is larger than the serialization budget")
        self._tail = window[-(len(_BETWEEN_SOLUTIONS) - 1):]
        return len(data)

    def flush(self) -> None:
        pass


# Bytes of SPARQL JSON allowed per row of the cap before the answer is read row by row
# instead: a solution of the canned queries takes 100-600 bytes.
_JSON_BYTES_PER_ROW = 4096
_BINDINGS_OPEN = b'"bindings":['
_JSON_CLOSE = b"]}}"


def _answer_as_json(answer: ox.QuerySolutions, outcome: QueryOutcome, max_rows: int,
                    max_bytes: int) -> bool:
    """Let the engine write the answer as SPARQL JSON and keep it as ``json_body``, cut
    after ``max_rows`` solutions or at the last whole solution within ``max_bytes``. False,
    with nothing kept, when the answer is too large for this path or could not be cut
    exactly: the caller then reads it row by row."""
    sink = _JsonSink(max_rows, max_bytes=min(max_bytes, (max_rows + 1) * _JSON_BYTES_PER_ROW))
    try:
        answer.serialize(sink, format=ox.QueryResultsFormat.JSON)
    except OSError:
        if sink.cut_at is None and not sink.overflowed:
            raise
    raw = b"".join(sink.parts)
    sink.parts.clear()
    if sink.overflowed and sink.size <= max_bytes:
        return False  # past the per-row allowance only: row by row, under both caps
    expected: int | None = None  # the number of solutions a cut body must hold
    cut_by = "rows"
    body = raw
    if sink.cut_at is not None:
        body, expected = raw[: sink.cut_at + 1] + _JSON_CLOSE, max_rows
    if len(body) > max_bytes:
        cut = _cut_to_bytes(raw, max_bytes)
        if cut is None:
            return False
        (body, expected), cut_by = cut, "bytes"
    del raw
    try:
        rows = _count_solutions(body)
    except (ValueError, KeyError, TypeError):
        return False
    if expected is None and rows > max_rows:
        return False  # solutions with nothing bound ({}) carry no boundary: row by row
    if expected is not None:
        if rows != expected:
            return False  # a literal looked like a boundary: count exactly, row by row
        outcome.truncated = True
        outcome.warnings.append(_cut_warning(max_rows, "rows") if cut_by == "rows"
                                else _size_warning(rows, "rows", max_bytes))
    outcome.json_body = body
    return True


_SKELETON_KEYS = frozenset({"head", "results", "bindings"})


def _skeleton(pairs: list[tuple[str, Any]]) -> dict | None:
    """Keep only the document's frame: every term and solution object becomes None as soon
    as it is parsed, so checking a 30 MiB answer holds a list of Nones, not its terms."""
    return dict(pairs) if pairs and pairs[0][0] in _SKELETON_KEYS else None


def _count_solutions(body: bytes) -> int:
    """The number of solutions in a SPARQL JSON body (parsed whole, so a malformed or
    wrongly cut one raises ValueError)."""
    return len(json.loads(body, object_pairs_hook=_skeleton)["results"]["bindings"])


def _cut_to_bytes(raw: bytes, max_bytes: int) -> tuple[bytes, int] | None:
    """The longest prefix of an unfinished SPARQL JSON answer that ends after a whole
    solution and, closed, takes at most ``max_bytes``; with the number of solutions it
    should hold (checked by the caller)."""
    at = raw.rfind(_BETWEEN_SOLUTIONS, 0, max_bytes)  # then at + 1 + 3 <= max_bytes
    if at >= 0:
        return raw[: at + 1] + _JSON_CLOSE, raw.count(_BETWEEN_SOLUTIONS, 0, at + 4)
    opening = raw.find(_BINDINGS_OPEN)
    if opening < 0 or opening + len(_BINDINGS_OPEN) + len(_JSON_CLOSE) > max_bytes:
        return None
    return raw[: opening + len(_BINDINGS_OPEN)] + _JSON_CLOSE, 0


def _cut_warning(max_rows: int, what: str) -> str:
    return (f"The answer was cut at {max_rows:,} {what}, this endpoint's limit; "
            "add ORDER BY with LIMIT and OFFSET to page through the rest.")


def _size_warning(kept: int, what: str, max_bytes: int) -> str:
    size = f"{max_bytes >> 20:,} MiB" if max_bytes % (1 << 20) == 0 else f"{max_bytes:,} bytes"
    return (f"The answer was cut after {kept:,} {what}: the rest would pass {size}, this "
            "endpoint's limit on the size of an answer. Select fewer or shorter values, or "
            "page through it with ORDER BY, LIMIT and OFFSET.")


def _solution_size(solution: ox.QuerySolution, variables: list[str]) -> int:
    """The bytes of one solution in compact SPARQL JSON, from above (the row-by-row path's
    measure): each bound term as N-Triples text plus its variable name and 48 bytes, more
    than the JSON markup of an IRI, a blank node or a literal takes (typed: 47)."""
    size = 2
    for name in variables:
        node = solution[name]
        if node is not None:
            size += len(str(node).encode("utf-8")) + len(name) + 48
    return size


def _answer_bytes(outcome: QueryOutcome) -> int:
    """About how many bytes an answer takes as it came from the worker."""
    if outcome.json_body is not None:
        return len(outcome.json_body)
    return 100 * (len(outcome.rows) * max(1, len(outcome.variables)) + 3 * len(outcome.triples))


def _execute(store: ox.Store, request: _Request) -> QueryOutcome:
    """Run one query in a worker process and cap the answer (reads ``max_rows + 1`` to know
    whether the cap cut it) in rows and in bytes."""
    kwargs: dict = {"base_iri": request.base_iri}
    if request.default_graph_uris or request.named_graph_uris:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graph_uris]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graph_uris]
    elif not request.names_dataset:
        kwargs["use_default_graph_as_union"] = True
    if request.substitutions:
        kwargs["substitutions"] = {
            ox.Variable(name.lstrip("?$")): term_to_oxigraph(term)
            for name, term in request.substitutions.items()
        }
    size, over = 0, False
    try:
        answer = store.query(request.text, **kwargs)
        outcome = QueryOutcome(form=request.form)
        if isinstance(answer, ox.QueryBoolean):
            outcome.form = "ASK"
            outcome.boolean = bool(answer)
            return outcome
        if isinstance(answer, ox.QuerySolutions):
            outcome.variables = [v.value for v in answer.variables]
            if _answer_as_json(answer, outcome, request.max_rows, request.max_bytes):
                return outcome
            # Too big to write whole: read the solutions one by one, up to the caps.
            answer = store.query(request.text, **kwargs)
            size = 48 + sum(len(name) + 3 for name in outcome.variables)  # head and tail
            for solution in itertools.islice(answer, request.max_rows + 1):
                size += _solution_size(solution, outcome.variables)
                if size > request.max_bytes:
                    over = True
                    break
                outcome.rows.append([None if solution[v] is None else term_from_oxigraph(
                    solution[v]) for v in outcome.variables])
            kept = outcome.rows
        else:
            for triple in itertools.islice(answer, request.max_rows + 1):
                size += len(str(triple).encode("utf-8")) + 3  # an N-Triples line: " .\n"
                if size > request.max_bytes:
                    over = True
                    break
                outcome.triples.append((term_from_oxigraph(triple.subject),
                                        term_from_oxigraph(triple.predicate),
                                        term_from_oxigraph(triple.object)))
            kept = outcome.triples  # type: ignore[assignment]
    except SyntaxError as error:
        raise syntax_error_from_oxigraph(error, request.text) from None
    except PermissionError as error:
        # Only the worker's sandbox refuses: the engine tried to connect (SERVICE) or to
        # open a file on the query's behalf.
        raise QueryRefused(
            "The query asks the engine to reach another service or a file (for example "
            f"with SERVICE), which this endpoint does not do ({error})."
        ) from None
    except OSError as error:
        raise BackendUnavailable(f"The store failed while answering: {error}") from None
    except RuntimeError as error:
        # pyoxigraph's evaluation errors, e.g. "The custom function <...> is not supported".
        raise QueryError(
            f"The query is valid SPARQL but this engine cannot evaluate it: {error}"
        ) from None
    what = "rows" if outcome.form == "SELECT" else "triples"
    if len(kept) > request.max_rows:
        del kept[request.max_rows:]
        outcome.truncated = True
        outcome.warnings.append(_cut_warning(request.max_rows, what))
    elif over:
        outcome.truncated = True
        outcome.warnings.append(_size_warning(len(kept), what, request.max_bytes))
    return outcome


class OxigraphBackend:
    """The :class:`~ninek_graph.backend.Backend` over an in-process pyoxigraph store.

    Build it in the process that will serve (or, with gunicorn's ``preload_app``, in the
    master before it forks): loading happens here, queries only in forked workers.
    """

    name = "oxigraph"

    def __init__(self, store: ox.Store, *, workers: int = 2,
                 graphs: Iterable[str] | None = None, base_iri: str | None = None,
                 max_private_mib: int | None = None, query_memory_mib: int | None = None,
                 max_answer_bytes: int | None = None, sandbox_mode: str | None = None):
        """``graphs`` are the named graphs FROM may select (default: all in the store);
        ``base_iri`` resolves relative IRIs in queries that declare no BASE (without it they
        are syntax errors); ``max_private_mib`` replaces a worker whose private memory
        grew past it (see :class:`~ninek_graph.workers.WorkerPool`).

        The limits default to the settings (``query_memory``, ``max_answer_mib``,
        ``query_sandbox``, environment included), so a back-end made without them is as
        bounded as the server's: ``query_memory_mib`` is the memory a query may take in its
        worker (0: no limit), ``max_answer_bytes`` the size an answer is cut at and
        ``sandbox_mode`` ``required`` or ``best-effort`` (see :func:`.sandbox.plan`, which
        raises :class:`~ninek_graph.sandbox.SandboxUnavailable` here, at start-up)."""
        declared = settings.defaults()
        if query_memory_mib is None:
            query_memory_mib = int(declared["query_memory"])
        if max_answer_bytes is None:
            max_answer_bytes = int(declared["max_answer_mib"]) << 20
        if max_answer_bytes < 1:
            raise ValueError("max_answer_mib must be at least 1")
        plan = sandbox.plan(sandbox_mode or str(declared["query_sandbox"]))
        self.max_answer_bytes = max_answer_bytes
        self._store = store
        self._base_iri = base_iri
        self.files: dict[str, Path] = {}  # graph -> the file it was loaded from, if any
        if graphs is None:
            # Read once, now, before any worker exists: the parent never queries later.
            graphs = [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
        self._graphs = frozenset(graphs)
        # The pages read the same store in this process (quad lookups, no queries); they
        # hold this gate while they do, and no worker is forked meanwhile, so no engine lock
        # a page read held can be copied locked into a worker.
        self.store_gate = threading.Lock()
        self._pool = WorkerPool(partial(_execute, store), size=workers,
                                name="Oxigraph query worker", fork_gate=self.store_gate,
                                max_private_bytes=max_private_mib * (1 << 20)
                                if max_private_mib else None,
                                memory_limit=query_memory_mib << 20 if query_memory_mib > 0
                                else None, sandbox=plan)

    @classmethod
    def from_files(cls, files: Mapping[str, str | os.PathLike[str]], *, workers: int = 2,
                   base_iri: str | None = None, **limits: Any) -> OxigraphBackend:
        """Load each N-Triples / Turtle file (by extension: .nt, .ttl) into the named graph
        its key names, with pyoxigraph's own parser, into an in-memory store. ``limits``
        are the constructor's (``max_private_mib``, ``query_memory_mib``, ...)."""
        store = ox.Store()
        for graph, path in files.items():
            rdf_format = ox.RdfFormat.from_extension(Path(path).suffix.lstrip("."))
            if rdf_format not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
                raise ValueError(f"{path}: expected an .nt or .ttl file")
            store.load(path=os.fspath(path), format=rdf_format, to_graph=ox.NamedNode(graph))
        backend = cls(store, workers=workers, graphs=files.keys(), base_iri=base_iri, **limits)
        backend.files = {graph: Path(path).resolve() for graph, path in files.items()}
        return backend

    @property
    def store(self) -> ox.Store:
        """The loaded store, for lookups by quad pattern under :attr:`store_gate` (queries
        run only in the workers)."""
        return self._store

    @property
    def pool(self) -> WorkerPool:
        return self._pool

    def graph_names(self) -> set[str]:
        return set(self._graphs)

    def query(
        self,
        text: str,
        *,
        substitutions: dict[str, Term] | None = None,
        default_graph_uris: tuple[str, ...] = (),
        named_graph_uris: tuple[str, ...] = (),
        timeout: float = 10.0,
        max_rows: int = 10_000,
    ) -> QueryOutcome:
        """Run ``text`` in a worker within ``timeout`` seconds, capped at ``max_rows``.

        The guard runs again here (defence in depth: pyoxigraph would follow SERVICE), with
        the store's own graphs as the allowed dataset.
        """
        info = sparql_guard.check(text, allowed_graphs=self._graphs, max_length=sys.maxsize)
        sparql_guard.check_dataset_parameters(default_graph_uris, named_graph_uris,
                                              allowed_graphs=self._graphs)
        request = _Request(
            text=text, form=info.form or "SELECT", substitutions=dict(substitutions or {}),
            default_graph_uris=tuple(default_graph_uris),
            named_graph_uris=tuple(named_graph_uris), names_dataset=info.names_dataset,
            max_rows=max_rows, max_bytes=self.max_answer_bytes, base_iri=self._base_iri,
        )
        outcome = self._pool.run(request, timeout=timeout)
        if _answer_bytes(outcome) >= LARGE_BLOCK:
            trim_when_released(outcome)
        return outcome

    def close(self) -> None:
        self._pool.close()
