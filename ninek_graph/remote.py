"""A :class:`~ninek_graph.backend.Backend` on a remote SPARQL 1.1 endpoint (Virtuoso first).

Queries go through SPARQLWrapper as POST (form-encoded, SPARQL 1.1 Protocol section 2.1.2),
asking for SPARQL JSON results for SELECT/ASK and N-Triples for CONSTRUCT/DESCRIBE (parsed
with pyoxigraph). Answers are converted to :class:`~ninek_graph.backend.Term` values.

Dataset. Virtuoso's default graph is the union of *every* graph it holds, its system graphs
included, so the dataset is always named in the request. Measured on Virtuoso 7.2.5 (and why
the rules below are what they are):

* ``default-graph-uri`` alone still lets ``GRAPH ?g`` see every graph (``virtrdf#``, the DAV
  and ``ldp#`` graphs...), so ``named-graph-uri`` is always sent too;
* a query's own ``FROM`` / ``FROM NAMED`` is *merged* with the protocol's graphs (not
  overridden, as SPARQL 1.1 Protocol 2.1.4 says), so when the text has a dataset clause we send
  no protocol graphs for the part it names, and an empty placeholder graph
  (:data:`EMPTY_GRAPH`) for the part it does not (a query with only ``FROM`` otherwise sees all
  of Virtuoso's graphs as named graphs). A query with a dataset clause *and* protocol graphs is
  refused: Virtuoso would answer over their union, which is neither's meaning.

Substitutions are rendered as a ``VALUES`` block (SPARQL 1.1 section 10.2) of terms escaped
per the grammar (section 19.8: ``IRIREF``, ``STRING_LITERAL2`` with ``ECHAR``, ``LANGTAG``),
so a value can never leave its literal. The block is put first in the WHERE group (found by a
scan that skips strings, IRIs and comments), which binds like pyoxigraph's SEP-0007
substitutions for variables of the top-level group; a *trailing* VALUES, the fallback where
there is no WHERE group, is joined by Virtuoso after projection and fails with "SQ200: No
column" for a variable that is not selected. Blank nodes and quoted triples cannot be written
in VALUES and are refused.

Limits, measured on Virtuoso 7.2.5 (``ResultSetMaxRows`` = cap, ``timeout`` parameter in ms):

* SELECT: at most ``cap`` rows, HTTP 200, with header ``X-SPARQL-MaxRows: <cap>`` *only* when
  rows were cut. The ``maxrows`` request parameter lowers the cap per request (and then names
  itself in that header); we send ``max_rows + 1`` so our own cut is exact.
* CONSTRUCT / DESCRIBE: cut at ``cap + 1`` triples with *no* header, and ``maxrows`` is
  ignored. So an answer with at least ``engine_max_rows`` triples is flagged truncated.
* Timeouts are "anytime" answers: HTTP 200 after about 2 s past the ``timeout`` (which is
  checked about once a second: 300 ms and 1000 ms both answered at 2.0 s, 3000 ms at 4.0 s).
  ASK, CONSTRUCT and aggregates carry ``X-SQL-State: S1TAT`` and ``X-SQL-Message: RC...:
  Returning incomplete results, query interrupted by result timeout`` (an ASK answers
  ``false``, a COUNT a too-small number). A plain SELECT answered 43 rows of 171 with **no
  header at all**. So an answer is taken as partial when it carries ``X-SQL-State`` *or*
  when it took at least the timeout we passed; both raise :class:`QueryTimeout` (as the
  embedded back-end does when it stops a query), never a truncated "answer".
* A query whose *estimated* cost exceeds ``MaxQueryCostEstimationTime`` is refused before it
  runs: HTTP 500, ``Virtuoso 42000 Error The estimated execution time 969 (sec) exceeds the
  limit of 400 (sec).`` That is a :class:`QueryTimeout` too.
* Syntax errors: HTTP 400, ``text/plain`` body ``Virtuoso 37000 Error SP030: SPARQL compiler,
  line 1: syntax error at '}' before '}'`` followed by the query: a
  :class:`QuerySyntaxError` carrying that first line and its line number.
* JSON results type literals ``"typed-literal"`` and write ``xsd:boolean`` as ``"1"`` /
  ``"0"`` (N-Triples says ``"true"``); blank nodes are ``nodeID://b10003`` in JSON and
  ``_:b10003`` in N-Triples; language tags come back lower-cased; decimals canonical
  (``"1.50"`` -> ``"1.5"``).
"""

from __future__ import annotations

import ast
import base64
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable

from SPARQLWrapper import (
    CONSTRUCT,
    DESCRIBE,
    JSON,
    POST,
    TURTLE,
    URLENCODED,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from . import sparql_guard
from .backend import (
    DATA_GRAPH,
    ONTOLOGY_GRAPH,
    BackendUnavailable,
    QueryError,
    QueryOutcome,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    Term,
)
from .results import parse_triples

log = logging.getLogger(__name__)

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = XSD + "boolean"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
EMPTY_GRAPH = "urn:x-ninek:empty-graph"
"""A graph name that holds nothing: names "no graph" where the protocol needs one."""

# Seconds past the timeout we wait for the engine's own answer before giving up on the
# socket (Virtuoso answers up to ~2 s late, see the module docstring).
CLIENT_GRACE_S = 3.0
VIRTUOSO_DEFAULT_MAX_ROWS = 10_000

# SPARQL 1.1 grammar, section 19.8 ([139] IRIREF, [145] LANGTAG, [166] VARNAME).
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANGTAG = re.compile(r"[a-zA-Z]+(-[a-zA-Z0-9]+)*")
_VARNAME = re.compile(r"\w[\w\u00B7\u0300-\u036F\u203F-\u2040]*")
_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
          "\f": "\\f"}
# A dataset clause: FROM [NAMED] followed by an IRI or a prefixed name, not part of a name.
_DATASET_CLAUSE = re.compile(
    r"(?<![\w:?$.\-])FROM\s+(NAMED\s+)?(?:<|[^\s<>{}()\"']*:)", re.IGNORECASE
)
# Comments, strings and IRIs, removed before looking for FROM (so a literal saying
# "FROM <x>" is not taken for a dataset clause).
_NOISE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n\r]*'
)
_LINE = re.compile(r"\bline (\d+)")


# -- rendering terms into query text ---------------------------------------------------------

def render_iri(iri: str) -> str:
    """``<iri>``, refusing characters IRIREF does not allow (they cannot be escaped)."""
    bad = _IRI_FORBIDDEN.search(iri)
    if not iri or bad:
        what = repr(bad.group()) if bad else "nothing"
        raise QueryError(f"not a valid IRI for a parameter: {iri!r} (contains {what})")
    return f"<{iri}>"


def render_string(value: str) -> str:
    """A SPARQL ``STRING_LITERAL2`` whose value is exactly ``value`` (ECHAR escapes)."""
    return '"' + "".join(_ECHAR.get(c, c) for c in value) + '"'


def render_term(term: Term) -> str:
    """A term as SPARQL text usable in a VALUES block (section 10.2.1, DataBlockValue)."""
    if term.kind == "uri":
        return render_iri(term.value)
    if term.kind == "literal":
        text = render_string(term.value)
        if term.lang:
            if not _LANGTAG.fullmatch(term.lang):
                raise QueryError(f"not a valid language tag: {term.lang!r}")
            return f"{text}@{term.lang}"
        if term.datatype and term.datatype not in (XSD_STRING, RDF_LANGSTRING):
            return f"{text}^^{render_iri(term.datatype)}"
        return text
    if term.kind == "bnode":
        raise QueryError(
            "a blank node cannot be bound as a parameter on a remote endpoint "
            "(SPARQL 1.1 VALUES admits no blank nodes; its labels are not stable anyway)"
        )
    raise QueryError(f"a {term.kind!r} term cannot be bound as a parameter on this endpoint")


def values_block(substitutions: dict[str, Term]) -> str:
    """``VALUES (?a ?b) { (<x> "y") }`` binding each variable to its term."""
    names = []
    for name in substitutions:
        bare = name[1:] if name[:1] in "?$" else name
        if not _VARNAME.fullmatch(bare):
            raise QueryError(f"not a valid variable name for a parameter: {name!r}")
        names.append(bare)
    values = [render_term(t) for t in substitutions.values()]
    return (
        "VALUES (" + " ".join("?" + n for n in names) + ") { (" + " ".join(values) + ") }"
    )


_FORM = re.compile(r"(?<![\w?$:])(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", re.IGNORECASE)
_WHERE = re.compile(r"\s*WHERE\b", re.IGNORECASE)


def _mask(text: str) -> str:
    """``text`` with strings, IRIs and comments blanked out (same length)."""
    return _NOISE.sub(lambda m: " " * len(m.group()), text)


def _matching_brace(masked: str, start: int) -> int:
    depth = 0
    for i in range(start, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def where_group_start(text: str) -> int | None:
    """Index of the ``{`` that opens the query's WHERE group, or None (a short-form
    CONSTRUCT WHERE, a DESCRIBE without WHERE, or text this scan does not understand)."""
    masked = _mask(text)
    form = _FORM.search(masked)
    if form is None:
        return None
    i = form.end()
    if form.group(1).upper() == "CONSTRUCT":
        template = masked.find("{", i)
        if template < 0 or masked[i:template].strip():
            return None  # CONSTRUCT WHERE { ... }: its pattern is its template
        end = _matching_brace(masked, template)
        if end < 0:
            return None
        i = end + 1
    depth = 0
    for j in range(i, len(masked)):
        c = masked[j]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "{" and depth == 0:
            return j
        elif c == "}" and depth == 0:
            return None
    return None


def bind_substitutions(text: str, substitutions: dict[str, Term]) -> str:
    """The query with a VALUES block binding ``substitutions``.

    The block goes first in the WHERE group, so the variables are bound before FILTERs,
    OPTIONALs and grouping see them, as with SEP-0007 substitution. Only where there is no
    such group (short-form CONSTRUCT, DESCRIBE without WHERE) is it a trailing VALUES: Virtuoso
    joins a trailing VALUES *after* projection ("SQ200: No column m" for a variable that is
    not selected), unlike SPARQL 1.1 section 18.2.4.3.
    """
    block = values_block(substitutions)
    at = where_group_start(text)
    if at is None:
        return text.rstrip() + "\n" + block
    return text[: at + 1] + " " + block + " " + text[at + 1 :]


def has_dataset_clause(text: str) -> tuple[bool, bool]:
    """Whether the query text has a ``FROM`` and a ``FROM NAMED`` clause."""
    bare = _NOISE.sub(lambda m: "<>" if m.group().startswith("<") else " ", text)
    has_from = has_named = False
    for m in _DATASET_CLAUSE.finditer(bare):
        if m.group(1):
            has_named = True
        else:
            has_from = True
    return has_from, has_named


# -- reading answers ---------------------------------------------------------------------------

def term_from_json(obj: dict) -> Term:
    """A SPARQL 1.1 Query Results JSON term (section 3.2.2), Virtuoso's dialect included."""
    kind = obj.get("type")
    value = obj.get("value", "")
    if kind == "uri":
        return Term("uri", value)
    if kind == "bnode":
        return Term("bnode", value.removeprefix("nodeID://").removeprefix("_:"))
    if kind in ("literal", "typed-literal"):
        lang = obj.get("xml:lang") or obj.get("lang")
        datatype = obj.get("datatype")
        if lang or datatype in (XSD_STRING, RDF_LANGSTRING):
            datatype = None
        if datatype == XSD_BOOLEAN and value in ("0", "1"):
            value = "true" if value == "1" else "false"  # Virtuoso's JSON writes 1 / 0
        return Term("literal", value, datatype=datatype, lang=lang or None)
    if kind == "triple":
        v = obj["value"]
        parts = (term_from_json(v["subject"]), term_from_json(v["predicate"]),
                 term_from_json(v["object"]))
        return Term("triple", "", parts=parts)
    raise BackendUnavailable(f"the endpoint answered a term of unknown type {kind!r}")


def _engine_message(exc: SPARQLWrapperException) -> str:
    """The body the endpoint sent with an error, which SPARQLWrapper keeps only in its
    message (as ``Response:\\n<repr of bytes>``)."""
    text = str(exc)
    _, sep, raw = text.partition("\n\nResponse:\n")
    if sep:
        try:
            body = ast.literal_eval(raw)
            if isinstance(body, bytes):
                text = body.decode("utf-8", "replace")
        except (ValueError, SyntaxError):
            text = raw
    # Virtuoso appends "SPARQL query:\n<the query>"; the message is what comes before.
    return text.split("\n\nSPARQL query:", 1)[0].strip()


class _Challenged(Exception):
    """A 401 with a Digest challenge we can now answer: send the request again."""


class HttpAuth:
    """HTTP Basic or Digest credentials for one endpoint, sent as a header of our own.

    SPARQLWrapper's own Digest support calls ``urllib.request.install_opener``, which makes
    the credentials *process-wide*: any later request, from any client, answers a challenge
    with them. So we compute the header here (with the standard library's Digest code) and
    give it to SPARQLWrapper as a custom header. :meth:`learn` takes the server's challenge
    from a 401 answer; the caller then retries once.
    """

    def __init__(self, url: str, user: str, password: str, kind: str = "digest"):
        if kind not in ("digest", "basic"):
            raise ValueError(f"auth must be 'digest' or 'basic', not {kind!r}")
        self.url = url
        self.kind = kind
        self._basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, url, user, password)
        self._digest = urllib.request.AbstractDigestAuthHandler(mgr)
        self._challenge: dict[str, str] | None = None

    def header(self) -> str | None:
        """The ``Authorization`` value to send now (None: wait for a Digest challenge)."""
        if self.kind == "basic":
            return "Basic " + self._basic
        if self._challenge is None:
            return None
        value = self._digest.get_authorization(
            urllib.request.Request(self.url, method="POST"), self._challenge
        )
        return None if value is None else "Digest " + value

    def learn(self, exc: BaseException) -> bool:
        """Take a Digest challenge from the 401 behind ``exc``; True if there was a new one."""
        http_error = exc if isinstance(exc, urllib.error.HTTPError) else exc.__context__
        headers = getattr(http_error, "headers", None)
        value = headers.get("WWW-Authenticate", "") if headers is not None else ""
        if self.kind != "digest" or not value.lower().startswith("digest "):
            return False
        items = urllib.request.parse_http_list(value[7:])
        self._challenge = urllib.request.parse_keqv_list(items)
        return True


class RemoteBackend:
    """A read-only remote SPARQL 1.1 endpoint, reached with SPARQLWrapper.

    ``default_graphs`` is the dataset of a query that names none (their union is the default
    graph, and they are the named graphs). ``user``/``password`` authenticate with ``auth``
    (``"digest"``, as Virtuoso's ``/sparql-auth`` wants, or ``"basic"``). ``engine_max_rows``
    is the engine's own row cap (Virtuoso's ``ResultSetMaxRows``), needed to recognize a
    CONSTRUCT it cut silently; a SELECT's ``X-SPARQL-MaxRows`` header updates it.
    """

    name = "remote"

    def __init__(
        self,
        endpoint_url: str,
        *,
        default_graphs: Iterable[str] = (DATA_GRAPH, ONTOLOGY_GRAPH),
        user: str | None = None,
        password: str | None = None,
        auth: str = "digest",
        engine_max_rows: int = VIRTUOSO_DEFAULT_MAX_ROWS,
    ):
        if auth not in ("digest", "basic"):
            raise ValueError(f"auth must be 'digest' or 'basic', not {auth!r}")
        self.endpoint_url = endpoint_url
        self.default_graphs = tuple(default_graphs)
        for g in self.default_graphs:
            render_iri(g)
        self.user = user
        self.auth = auth
        self._auth = (
            HttpAuth(endpoint_url, user, password, auth)
            if user is not None and password is not None else None
        )
        self.engine_max_rows = engine_max_rows

    # -- the protocol --------------------------------------------------------------------------
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
        """Run ``text`` on the endpoint; see the module docstring for how limits are read."""
        if substitutions:
            text = bind_substitutions(text, substitutions)
        dataset = self._dataset(text, default_graph_uris, named_graph_uris)
        # The form as our tokenizer reads it: SPARQLWrapper guesses it with a regular
        # expression that also matches a keyword inside a comment.
        form = (sparql_guard.inspect(text).form or "SELECT").upper()

        def request() -> SPARQLWrapper:
            sw = self._wrapper(text, timeout)
            for param, graphs in dataset:
                for g in graphs:
                    sw.addParameter(param, render_iri(g)[1:-1])
            if form in (CONSTRUCT, DESCRIBE):
                sw.setReturnFormat(TURTLE)  # only to get past SPARQLWrapper; Accept is ours:
                sw.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.5")
            else:
                sw.setReturnFormat(JSON)
                # explicit: SPARQLWrapper sends */* when its own form guess disagrees
                sw.addCustomHttpHeader("Accept", "application/sparql-results+json")
                sw.addParameter("maxrows", str(max_rows + 1))  # Virtuoso: a per-request cap
            # Virtuoso's own limit, in ms; it stops the query there (a client that hangs up
            # would leave it running).
            sw.addParameter("timeout", str(max(1, int(timeout * 1000))))
            return sw

        started = time.monotonic()
        sw = request()
        try:
            body, headers = self._send(sw, timeout)
        except _Challenged:
            body, headers = self._send(request(), timeout, retry=False)
        elapsed = time.monotonic() - started
        self._check_partial(headers, elapsed, timeout)

        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if form in (CONSTRUCT, DESCRIBE):
            outcome = self._triples(form, body, ctype, max_rows)
        else:
            outcome = self._results(form, body, ctype, headers, max_rows)
        return outcome

    def graph_names(self) -> set[str]:
        """The configured graphs that hold at least one triple.

        Not every graph of the engine: Virtuoso holds its own system graphs, and other
        datasets may share it; FROM / FROM NAMED may only select the published graphs. One
        cheap query (each ``GRAPH <g>`` existence test is an index probe).
        """
        if not self.default_graphs:
            return set()
        values = " ".join(render_iri(g) for g in self.default_graphs)
        text = (
            f"SELECT ?g WHERE {{ VALUES ?g {{ {values} }} "
            f"FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
        )
        out = self.query(text, named_graph_uris=self.default_graphs,
                         default_graph_uris=(EMPTY_GRAPH,), timeout=30.0)
        return {row[0].value for row in out.rows if row[0] is not None}

    def close(self) -> None:
        """Nothing to release: every query opens its own connection."""

    # -- helpers ---------------------------------------------------------------------------------
    def _wrapper(self, text: str, timeout: float) -> SPARQLWrapper:
        sw = SPARQLWrapper(self.endpoint_url)
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)
        sw.setOnlyConneg(True)  # no format=/output= parameters: the Accept header decides
        sw.setTimeout(int(timeout + CLIENT_GRACE_S + 0.999))
        sw.setQuery(text)
        header = self._auth.header() if self._auth is not None else None
        if header is not None:
            sw.addCustomHttpHeader("Authorization", header)
        return sw

    def _dataset(
        self, text: str, default_graph_uris: tuple[str, ...], named_graph_uris: tuple[str, ...]
    ) -> list[tuple[str, tuple[str, ...]]]:
        has_from, has_named = has_dataset_clause(text)
        if has_from or has_named:
            if default_graph_uris or named_graph_uris:
                raise QueryRefused(
                    "this query names its dataset with FROM / FROM NAMED and the request names "
                    "one with default-graph-uri / named-graph-uri; give only one of them"
                )
            return [
                ("default-graph-uri", () if has_from else (EMPTY_GRAPH,)),
                ("named-graph-uri", () if has_named else (EMPTY_GRAPH,)),
            ]
        if default_graph_uris or named_graph_uris:
            # SPARQL 1.1 Protocol 2.1.4: the request's graphs are the whole dataset.
            return [
                ("default-graph-uri", default_graph_uris or (EMPTY_GRAPH,)),
                ("named-graph-uri", named_graph_uris or (EMPTY_GRAPH,)),
            ]
        graphs = self.default_graphs or (EMPTY_GRAPH,)
        return [("default-graph-uri", graphs), ("named-graph-uri", graphs)]

    def _send(
        self, sw: SPARQLWrapper, timeout: float, retry: bool = True
    ) -> tuple[bytes, dict[str, str]]:
        where = self.endpoint_url
        try:
            result = sw.query()
            headers = {k.lower(): v for k, v in result.response.info().items()}
            body = result.response.read()
            return body, headers
        except QueryBadFormed as e:
            msg = _engine_message(e)
            m = _LINE.search(msg)
            raise QuerySyntaxError(msg, line=int(m.group(1)) if m else None) from None
        except EndPointInternalError as e:
            msg = _engine_message(e)
            if "estimated execution time" in msg or "S1T00" in msg or "timeout" in msg.lower():
                raise QueryTimeout(
                    f"the endpoint refused or stopped the query for its time limit: {msg}"
                ) from None
            if " 37000 " in msg:  # a compile-time error Virtuoso reports as 500
                m = _LINE.search(msg)
                raise QuerySyntaxError(msg, line=int(m.group(1)) if m else None) from None
            raise BackendUnavailable(f"the SPARQL endpoint {where} failed (500): {msg}") from None
        except Unauthorized as e:
            if retry and self._auth is not None and self._auth.learn(e):
                raise _Challenged() from None
            raise BackendUnavailable(
                f"the SPARQL endpoint {where} wants credentials (401): configure a user and "
                "password for it"
            ) from None
        except EndPointNotFound:
            raise BackendUnavailable(f"no SPARQL endpoint at {where} (404)") from None
        except URITooLong:
            raise BackendUnavailable(f"the SPARQL endpoint {where} refused the request (414)") \
                from None
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")[:500].strip()
            raise BackendUnavailable(
                f"the SPARQL endpoint {where} answered HTTP {e.code}: {detail or e.reason}"
            ) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, TimeoutError):
                raise self._client_timeout(timeout) from None
            raise BackendUnavailable(
                f"cannot reach the SPARQL endpoint {where}: {e.reason}"
            ) from None
        except TimeoutError:
            raise self._client_timeout(timeout) from None
        except (ConnectionError, OSError) as e:
            raise BackendUnavailable(f"cannot reach the SPARQL endpoint {where}: {e}") from None

    def _client_timeout(self, timeout: float) -> QueryTimeout:
        return QueryTimeout(
            f"the SPARQL endpoint {self.endpoint_url} did not answer within {timeout:g} s "
            f"(+{CLIENT_GRACE_S:g} s grace): the query was abandoned"
        )

    def _check_partial(self, headers: dict[str, str], elapsed: float, timeout: float) -> None:
        state = headers.get("x-sql-state")
        if state:
            message = headers.get("x-sql-message", "").split("  Activity:")[0].strip()
            if state.upper() == "S1TAT":
                raise QueryTimeout(
                    f"the query ran past the time limit of {timeout:g} s; the endpoint offered "
                    f"an incomplete answer (X-SQL-State: {state}: {message}), which is not "
                    "returned"
                )
            raise BackendUnavailable(
                f"the SPARQL endpoint {self.endpoint_url} flagged its answer with "
                f"X-SQL-State: {state} ({message}); not trusting it as complete"
            )
        if elapsed >= timeout:
            # Virtuoso cuts a plain SELECT at its timeout *without* saying so (see above).
            raise QueryTimeout(
                f"the query ran past the time limit of {timeout:g} s ({elapsed:.1f} s); "
                "the endpoint's answer may be incomplete, so it is not returned"
            )

    def _results(
        self, form: str, body: bytes, ctype: str, headers: dict[str, str], max_rows: int
    ) -> QueryOutcome:
        try:
            data = json.loads(body)
        except ValueError as e:
            raise BackendUnavailable(
                f"the SPARQL endpoint {self.endpoint_url} sent no SPARQL JSON results "
                f"({ctype or 'no content type'}): {e}"
            ) from None
        if "boolean" in data:
            return QueryOutcome(form="ASK", boolean=bool(data["boolean"]))
        variables = list(data.get("head", {}).get("vars", []))
        bindings = data.get("results", {}).get("bindings", [])
        outcome = QueryOutcome(form="SELECT", variables=variables)
        for b in bindings[:max_rows]:
            outcome.rows.append(
                [term_from_json(b[v]) if v in b else None for v in variables]
            )
        engine_cap = headers.get("x-sparql-maxrows")
        if len(bindings) > max_rows:
            outcome.truncated = True
            outcome.warnings.append(
                f"the answer was cut at {max_rows} rows, the row limit of this endpoint; "
                "add LIMIT/OFFSET or narrow the query to see the rest"
            )
        elif engine_cap is not None:
            cap = int(engine_cap)
            if cap != max_rows + 1:
                self.engine_max_rows = cap
            outcome.truncated = True
            outcome.warnings.append(
                f"the answer was cut at {cap} rows by the remote engine's own limit "
                f"(X-SPARQL-MaxRows: {cap}); add LIMIT/OFFSET to page through the rest"
            )
        return outcome

    def _triples(self, form: str, body: bytes, ctype: str, max_rows: int) -> QueryOutcome:
        try:
            triples = parse_triples(body, ctype or "application/n-triples")
        except (SyntaxError, ValueError) as e:
            raise BackendUnavailable(
                f"the SPARQL endpoint {self.endpoint_url} sent RDF that does not parse: {e}"
            ) from None
        outcome = QueryOutcome(form=form)
        outcome.triples.extend(triples[:max_rows])
        if len(triples) > max_rows:
            outcome.truncated = True
            outcome.warnings.append(
                f"the answer was cut at {max_rows} triples, the limit of this endpoint"
            )
        elif self.engine_max_rows and len(triples) >= self.engine_max_rows:
            outcome.truncated = True
            outcome.warnings.append(
                f"the remote engine returns at most about {self.engine_max_rows} triples "
                f"(its ResultSetMaxRows) and cuts silently; this answer has {len(triples)}, so it "
                "is probably incomplete"
            )
        return outcome
