"""What every store back-end offers the endpoint: the contract, its values and its errors.

The endpoint, the canned queries and the CLI talk to a :class:`Backend` and never to an
engine directly, so the embedded store (pyoxigraph, queried in killable worker processes)
and a remote SPARQL 1.1 endpoint (reached with SPARQLWrapper) are interchangeable and the
same tests run on both.

Results cross process boundaries, so they are plain values: :class:`Term` mirrors the
SPARQL 1.1 Query Results JSON term objects (section 3.2.2 of that spec) and a
:class:`QueryOutcome` holds a whole answer, already capped to the row limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Named graphs the knowledge graph is published in. Queries that name no dataset see their
# union as the default graph; FROM / FROM NAMED may select among them and nothing else.
DATA_GRAPH = "https://w3id.org/ninek/graph"
ONTOLOGY_GRAPH = "https://w3id.org/ninek/def"
PUBLISHED_GRAPHS = (DATA_GRAPH, ONTOLOGY_GRAPH)


@dataclass(frozen=True)
class Term:
    """An RDF term: ``kind`` is ``uri``, ``bnode``, ``literal`` or ``triple``.

    For a literal, ``datatype`` is the datatype IRI (``None`` for a plain ``xsd:string``
    and for a language-tagged string, whose tag is ``lang``). For a quoted ``triple`` (RDF-star)
    ``value`` is unused and ``parts`` holds subject, predicate and object.
    """

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None
    parts: tuple[Term, Term, Term] | None = None


class QueryOutcome:
    """The answer to one query.

    ``form`` is ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``. SELECT fills ``variables``
    and ``rows`` (one list per solution, ``None`` for an unbound variable); ASK fills
    ``boolean``; CONSTRUCT and DESCRIBE fill ``triples``. ``truncated`` is true when the row
    (or triple) cap cut the answer short, and ``warnings`` says so in words, along with
    anything else a user must know (for example a remote engine's partial answer).

    A SELECT answer may instead arrive as ``json_body``: the same solutions already written
    as SPARQL 1.1 Query Results JSON by the engine itself (pyoxigraph's serializer runs at
    native speed; turning ten thousand solutions into Python terms, pickling them across the
    worker pipe and writing them out again took several times longer than the query). The
    body is then served as it is, and ``rows`` is read from it only when something asks for
    it (an HTML table, another format, the CLI).
    """

    def __init__(self, form: str, variables: list[str] | None = None,
                 rows: list[list[Term | None]] | None = None, boolean: bool | None = None,
                 triples: list[tuple[Term, Term, Term]] | None = None, truncated: bool = False,
                 warnings: list[str] | None = None, json_body: bytes | None = None):
        self.form = form
        self.variables = variables if variables is not None else []
        self._rows = rows
        self.boolean = boolean
        self.triples = triples if triples is not None else []
        self.truncated = truncated
        self.warnings = warnings if warnings is not None else []
        self.json_body = json_body

    @property
    def rows(self) -> list[list[Term | None]]:
        if self._rows is None:
            if self.json_body is None:
                self._rows = []
            else:
                from .results import parse_json_results  # results imports this module

                self._rows = parse_json_results(self.json_body).rows
        return self._rows

    @rows.setter
    def rows(self, rows: list[list[Term | None]]) -> None:
        self._rows = rows
        self.json_body = None

    def _key(self) -> tuple:
        return (self.form, self.variables, self.rows, self.boolean, self.triples,
                self.truncated, self.warnings)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QueryOutcome) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    def __repr__(self) -> str:
        size = f"{len(self.json_body):,} bytes of JSON" if self._rows is None and \
            self.json_body is not None else f"{len(self.rows)} rows"
        return (f"QueryOutcome(form={self.form!r}, variables={self.variables!r}, {size}, "
                f"boolean={self.boolean!r}, triples={len(self.triples)}, "
                f"truncated={self.truncated!r})")


class QueryError(Exception):
    """A query could not be answered; ``status`` is the HTTP status the endpoint answers."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class QuerySyntaxError(QueryError):
    """The text is not a valid SPARQL 1.1 query; ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


class QueryRefused(QueryError):
    """A valid query this read-only, closed endpoint will not run (SERVICE, LOAD, FROM
    outside the dataset, too long)."""


class UpdateRefused(QueryError):
    """SPARQL Update sent to the read-only endpoint."""

    status = 403


class QueryTimeout(QueryError):
    """The query ran past the configured time limit and was stopped."""

    status = 503


class BackendUnavailable(QueryError):
    """The store could not be reached or failed (a remote engine is down or answered
    with an error that is not the user's fault)."""

    status = 502


class Backend(Protocol):
    """A read-only SPARQL store holding the knowledge graph."""

    name: str

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
        """Run ``text`` (already checked by the guard) and return the capped answer.

        ``substitutions`` binds variables to terms (SEP-0007 semantics, as pyoxigraph's
        ``substitutions``); a remote back-end renders them as a VALUES block of properly
        escaped terms. Raises a :class:`QueryError` subclass.
        """
        ...

    def graph_names(self) -> set[str]:
        """The named graphs the store holds (what FROM / FROM NAMED may select)."""
        ...

    def close(self) -> None:
        ...
