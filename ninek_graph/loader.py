"""Put the graph dumps into any SPARQL 1.1 Update endpoint (``ninek-graph load --endpoint``).

Each file is parsed with pyoxigraph and sent as ``INSERT DATA`` requests of about
``batch_triples`` triples, each triple written as an N-Triples line (valid SPARQL data,
SPARQL 1.1 Update section 3.1.1). A batch ends only where no blank node is still to come,
because blank-node labels are scoped to one request: a node split over two requests would
become two nodes.

``replace=True`` never leaves a half-replaced graph: the batches go into a fresh staging graph,
and only when all of them are in does one ``MOVE <staging> TO <graph>`` (section 3.2.5)
replace the graph. A failed batch drops the staging graph and the error says the graph was not
changed. ``replace=False`` adds to the graph in place; a failed batch then says how many
triples are already in.

For Virtuoso the update URL is ``http://host:port/sparql-auth`` with HTTP Digest
(``dba``/``dba`` on a fresh database); its anonymous ``/sparql`` refuses updates.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from .remote import HttpAuth, _engine_message, render_iri

log = logging.getLogger(__name__)

_FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".n3": ox.RdfFormat.N3,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


class LoadError(Exception):
    """A dump could not be put into the endpoint; the message says what state it is in."""


@dataclass
class Batch:
    graph: str
    file: Path
    lines: list[str]
    has_bnodes: bool
    first: int  # 1-based triple index in the file (N-Triples: the line number)
    last: int
    where: str  # "lines 1-5000 of x.nt" / "triples 1-5000 of x.ttl"


@dataclass
class LoadReport:
    """Triples sent per graph, triples the endpoint holds afterwards, and time taken."""

    sent: dict[str, int] = field(default_factory=dict)
    held: dict[str, int | None] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def load_into_endpoint(
    update_url: str,
    files: Mapping[str, Path],
    *,
    user: str | None = None,
    password: str | None = None,
    auth: str = "digest",
    replace: bool = True,
    batch_triples: int = 5000,
    timeout: float = 300.0,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load ``files`` (graph IRI -> N-Triples/Turtle/RDF-XML file) into ``update_url``.

    ``auth`` is ``"digest"`` (Virtuoso's ``/sparql-auth``) or ``"basic"``. ``progress``
    receives one line per step (the CLI passes a printer to stderr); everything is also
    logged. Raises :class:`LoadError` with what went wrong and what state the graph is in.
    """
    if auth not in ("digest", "basic"):
        raise ValueError(f"auth must be 'digest' or 'basic', not {auth!r}")
    if batch_triples < 1:
        raise ValueError("batch_triples must be at least 1")
    say = _reporter(progress)
    client = _Client(update_url, user, password, auth, timeout)
    report = LoadReport()
    started = time.monotonic()
    for graph, path in files.items():
        render_iri(graph)
        path = Path(path)
        if not path.is_file():
            raise LoadError(f"no such file to load into <{graph}>: {path}")
        target = f"urn:x-ninek:staging:{uuid.uuid4()}" if replace else graph
        sent = 0
        t0 = time.monotonic()
        say(f"loading {path} into <{graph}>" + (" (replacing it)" if replace else ""))
        distinct: set[str] = set()
        for batch in _batches(graph, path, batch_triples):
            try:
                client.update(_insert(target, batch))
            except LoadError as e:
                if replace:
                    if sent:
                        _drop_quietly(client, target)
                    state = f"graph <{graph}> was not changed"
                else:
                    state = (f"graph <{graph}> now holds the {sent} triples before that batch "
                             "in addition to what it held")
                raise LoadError(f"{batch.where} (into <{graph}>) failed: {e}; {state}") from None
            sent += len(batch.lines)
            distinct.update(batch.lines)
            say(f"  {batch.where}: sent, {sent} triples so far")
        if replace:
            try:
                client.update(f"MOVE SILENT <{target}> TO <{graph}>")
            except LoadError as e:
                raise LoadError(
                    f"all {sent} triples of {path.name} are in the staging graph <{target}>, but "
                    f"replacing <{graph}> with it failed: {e}. <{graph}> may be unchanged or "
                    f"empty; run the load again (and DROP GRAPH <{target}> afterwards)"
                ) from None
        held = client.count(graph)
        report.sent[graph] = sent
        report.held[graph] = held
        if held is not None and not replace:
            pass  # appending: the graph may hold more than we sent
        elif held is not None and held != len(distinct):
            report.warnings.append(
                f"<{graph}>: sent {len(distinct)} distinct triples but the endpoint holds {held}"
            )
        say(f"<{graph}>: {sent} triples sent in {time.monotonic() - t0:.1f} s; "
            f"the endpoint holds {held if held is not None else 'an unknown number of'}")
    report.seconds = time.monotonic() - started
    for w in report.warnings:
        say("warning: " + w)
    return report


def _reporter(progress: Callable[[str], None] | None) -> Callable[[str], None]:
    def say(message: str) -> None:
        log.info("%s", message)
        if progress is not None:
            progress(message)

    return say


def _triples(path: Path) -> Iterator[ox.Quad]:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoadError(
            f"{path.name}: unknown RDF syntax (expected one of {', '.join(sorted(_FORMATS))})"
        )
    try:
        with path.open("rb") as f:
            yield from ox.parse(f, format=fmt)
    except SyntaxError as e:
        raise LoadError(f"{path} does not parse: {e}; nothing of it was sent") from None


def _content_lines(path: Path) -> Iterator[int]:
    """Line numbers of the N-Triples lines that hold a triple (one triple per line)."""
    with path.open("rb") as f:
        for n, raw in enumerate(f, start=1):
            s = raw.strip()
            if s and not s.startswith(b"#"):
                yield n


def _batches(graph: str, path: Path, size: int) -> Iterator[Batch]:
    """Batches of N-Triples lines, cut only where no blank node seen so far occurs later."""
    quads = list(_triples(path))  # parse the whole file first: a syntax error sends nothing
    last_use: dict[str, int] = {}
    for i, q in enumerate(quads):
        for t in (q.subject, q.object):
            if isinstance(t, ox.BlankNode):
                last_use[t.value] = i
    is_nt = path.suffix.lower() == ".nt"
    line_of = list(_content_lines(path)) if is_nt else []
    if is_nt and len(line_of) != len(quads):
        line_of = []  # unusual layout: fall back to triple numbers

    def where(a: int, b: int) -> str:
        if line_of:
            return f"lines {line_of[a]}-{line_of[b]} of {path.name}"
        return f"triples {a + 1}-{b + 1} of {path.name}"

    lines: list[str] = []
    start = 0
    bnodes = False
    open_until = -1  # index of the last use of any blank node in the current batch
    for i, q in enumerate(quads):
        lines.append(f"{q.subject} {q.predicate} {q.object} .")
        for t in (q.subject, q.object):
            if isinstance(t, ox.BlankNode):
                open_until = max(open_until, last_use[t.value])
                bnodes = True
        if len(lines) >= size and open_until <= i:
            yield Batch(graph, path, lines, bnodes, start + 1, i + 1, where(start, i))
            lines, start, bnodes = [], i + 1, False
    if lines:
        yield Batch(graph, path, lines, bnodes, start + 1, len(quads),
                    where(start, len(quads) - 1))


def _insert(graph: str, batch: Batch) -> str:
    """``INSERT DATA``; with blank nodes ``INSERT {...} WHERE {}``, which means the same (one
    solution, so each label is one fresh node; section 3.1.3) and which Virtuoso accepts
    (its INSERT DATA refuses blank nodes: "SP031 ... not allowed in a constant clause")."""
    body = f"GRAPH <{graph}> {{\n" + "\n".join(batch.lines) + "\n}"
    if batch.has_bnodes:
        return f"INSERT {{ {body} }} WHERE {{ }}"
    return f"INSERT DATA {{ {body} }}"


def _drop_quietly(client: _Client, graph: str) -> None:
    try:
        client.update(f"DROP SILENT GRAPH <{graph}>")
    except LoadError as e:
        log.warning("could not drop the staging graph <%s>: %s", graph, e)


class _Client:
    """SPARQL 1.1 Update (and one COUNT query) through SPARQLWrapper, errors as LoadError."""

    def __init__(self, url: str, user: str | None, password: str | None, auth: str,
                 timeout: float):
        self.url = url
        self.user = user
        self.auth = auth
        self.timeout = timeout
        # Our own Authorization header (SPARQLWrapper's Digest would install process-wide
        # credentials: see remote.HttpAuth).
        self._auth = (
            HttpAuth(url, user, password, auth) if user is not None and password is not None
            else None
        )

    def _wrapper(self, text: str) -> SPARQLWrapper:
        sw = SPARQLWrapper(self.url, updateEndpoint=self.url)
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)
        sw.setOnlyConneg(True)
        sw.setTimeout(int(self.timeout))
        header = self._auth.header() if self._auth is not None else None
        if header is not None:
            sw.addCustomHttpHeader("Authorization", header)
        sw.setQuery(text)
        return sw

    def _run(self, text: str, fmt: str | None = None, retry: bool = True) -> bytes:
        sw = self._wrapper(text)
        if fmt is not None:
            sw.setReturnFormat(fmt)
        try:
            result = sw.query()
            return result.response.read()
        except Unauthorized as e:
            if retry and self._auth is not None and self._auth.learn(e):
                return self._run(text, fmt, retry=False)
            hint = (
                "pass --user and --password" if self.user is None else
                f"check --user/--password (sent with HTTP {self.auth.capitalize()}; try "
                f"--auth {'basic' if self.auth == 'digest' else 'digest'} if the endpoint "
                "wants the other)"
            )
            raise LoadError(
                f"{self.url} refused the update (401 Unauthorized): {hint}. For Virtuoso use "
                "its /sparql-auth URL (a fresh database's user is dba, password dba)"
            ) from None
        except EndPointNotFound:
            raise LoadError(f"no SPARQL endpoint at {self.url} (404)") from None
        except (QueryBadFormed, EndPointInternalError) as e:
            raise LoadError(f"the endpoint answered an error: {_engine_message(e)}") from None
        except SPARQLWrapperException as e:
            raise LoadError(f"the endpoint answered an error: {e}") from None
        except OSError as e:  # URLError, HTTPError with another status, refused, timeout
            code = getattr(e, "code", None)
            if code == 403:
                raise LoadError(
                    f"{self.url} forbids updates for this user (403); for Virtuoso use its "
                    "/sparql-auth URL with a user that has SPARQL_UPDATE"
                ) from None
            reason = getattr(e, "reason", e)
            raise LoadError(f"cannot reach the SPARQL endpoint {self.url}: {reason}") from None

    def update(self, text: str) -> None:
        self._run(text)

    def count(self, graph: str) -> int | None:
        """Triples in ``graph``, asked through the same URL (None when it cannot say)."""
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        try:
            data = json.loads(self._run(text, JSON))
            return int(data["results"]["bindings"][0]["n"]["value"])
        except (LoadError, ValueError, KeyError, IndexError) as e:
            log.warning("could not count the triples in <%s>: %s", graph, e)
            return None
