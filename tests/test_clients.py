"""Real clients against real servers: SPARQLWrapper 2.0 and rapper, over HTTP.

Every canned query (``queries/*.rq``) runs on the embedded server (``live_url``) and on
``ninek-graph serve --endpoint`` backed by Virtuoso (``virtuoso_url``), in two ways:

* SPARQLWrapper sends the query's published text to ``/sparql`` with each ``# param:``
  bound by a ``VALUES`` block put first in the WHERE group (what a researcher copying the
  text does);
* ``requests`` fetches ``/queries/NAME?format=json``.

The answers must be the same everywhere, compared as multisets of rows: numbers compared
numerically (Virtuoso types aggregates differently), strings made by GROUP_CONCAT compared
as sets of their ``"; "``-separated parts (see :func:`normalized`), language tags
case-insensitively.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from ninek_graph import canned

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
NAMES = sorted(p.stem for p in QUERIES_DIR.glob("*.rq"))
PARAM_LINE = re.compile(r"^#\s*param:\s*([A-Za-z_][A-Za-z0-9_]*)\s*\|", re.M)
# Real values for each (query, parameter); a new parameter without one fails the test.
VALUES = {
    ("municipality-projects", "municipality"): "Tønsberg",
    ("successor-projects", "municipality"): "Færder",
    ("project-participants", "project"): "Geodata",
    ("organisation-projects", "organisation"): "HVE",
}
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "long", "int", "short",
                             "byte", "nonNegativeInteger", "positiveInteger", "unsignedInt",
                             "unsignedLong", "negativeInteger", "nonPositiveInteger")}
TIMEOUT = 60


def parameters(name: str) -> dict[str, str]:
    text = (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")
    found = PARAM_LINE.findall(text)
    missing = [p for p in found if (name, p) not in VALUES]
    assert not missing, f"{name}: choose a real value for parameter(s) {missing}"
    return {p: VALUES[(name, p)] for p in found}


def sparql_string(value: str) -> str:
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return '"' + "".join(escapes.get(c, c) for c in value) + '"'


def text_with_values(name: str) -> str:
    """The published query text with its parameters bound by VALUES first in the WHERE
    group (the text is read past its comment header, so a WHERE in a description is not
    taken)."""
    text = (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")
    params = parameters(name)
    if not params:
        return text
    header = re.match(r"(?:#[^\n]*\n)*", text).end()
    where = re.compile(r"\bWHERE\s*\{", re.I).search(text, header)
    assert where is not None, name
    # a researcher copying the text binds what the parameter declares: a `key` parameter in
    # lookup-key form (ninek_graph.keys.match_key), as the server does
    bound = canned.get(name).bindings(params)
    block = " ".join(f"VALUES ?{v} {{ {sparql_string(bound[v].value)} }}" for v in bound)
    return text[: where.end()] + f"\n  {block}\n" + text[where.end():]


def group_concat_variables(name: str) -> set[str]:
    text = (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")
    return set(re.findall(r"GROUP_CONCAT\s*\(.*?\)\s+AS\s+\?(\w+)", text, re.S | re.I))


def normalized(term: dict | None, concatenated: bool = False):
    """A comparable form of a SPARQL JSON term. For a GROUP_CONCAT column: the set of its
    parts, language ignored, and unbound equal to "" (SPARQL 1.1 leaves the aggregate of a
    group whose values are all unbound to the engine: pyoxigraph leaves it unbound, Virtuoso
    answers ""; pyoxigraph keeps a language tag all parts share, Virtuoso does not)."""
    if concatenated:
        value = "" if term is None else term["value"]
        return ("concatenated", frozenset(value.split("; ")) - {""})
    if term is None:
        return None
    kind = term["type"]
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", term["value"])
    datatype = term.get("datatype")
    value = term["value"]
    if datatype in NUMERIC:
        try:
            return ("number", Decimal(value).normalize())
        except InvalidOperation:
            return ("number?", value)
    if datatype == XSD + "boolean":
        return ("boolean", value in ("true", "1"))
    if datatype is not None and datatype != XSD + "string":
        return ("typed", value, datatype)
    return ("text", value, (term.get("xml:lang") or "").lower())


def as_multiset(data: dict, name: str) -> tuple[list[str], Counter]:
    variables = data["head"]["vars"]
    concatenated = group_concat_variables(name)
    rows = Counter(
        tuple(normalized(binding.get(v), v in concatenated) for v in variables)
        for binding in data["results"]["bindings"]
    )
    return variables, rows


def by_sparqlwrapper(base_url: str, name: str) -> tuple[list[str], Counter]:
    client = SPARQLWrapper(base_url + "/sparql")
    client.setQuery(text_with_values(name))
    client.setReturnFormat(JSON)
    client.setTimeout(TIMEOUT)
    return as_multiset(client.queryAndConvert(), name)


def by_canned_url(base_url: str, name: str) -> tuple[list[str], Counter, requests.Response]:
    response = requests.get(f"{base_url}/queries/{name}",
                            params={**parameters(name), "format": "json"}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:500]
    assert "X-Ninek-Truncated" not in response.headers
    variables, rows = as_multiset(response.json(), name)
    return variables, rows, response


# A parameter must reach the query when bound by VALUES too (SPARQL evaluates a group
# bottom-up, section 18.2.2, so a FILTER inside a UNION branch would not see it), and must
# not go through STR(): Virtuoso 7.2 turns a non-ASCII VALUES-bound string into '?'s there.


CLIENT_CASES = [
    pytest.param(name, backend, id=f"{name}-{backend}")
    for name in NAMES for backend in ("embedded", "virtuoso")
]


def test_every_canned_query_is_covered():
    assert len(NAMES) >= 12
    assert {n for n, _ in VALUES} <= set(NAMES)
    for name in NAMES:
        parameters(name)


@pytest.mark.parametrize("name", NAMES)
def test_canned_url_gives_the_same_answer_on_both_backends(live_url, virtuoso_url, name):
    embedded_vars, embedded, _ = by_canned_url(live_url, name)
    virtuoso_vars, virtuoso, response = by_canned_url(virtuoso_url, name)
    assert sum(embedded.values()) > 0, f"{name}: no rows on the real data"
    assert embedded_vars == virtuoso_vars
    only_embedded = embedded - virtuoso
    only_virtuoso = virtuoso - embedded
    assert not only_embedded and not only_virtuoso, (
        f"{name}: rows only on the embedded store: {list(only_embedded)[:3]}; "
        f"only on Virtuoso: {list(only_virtuoso)[:3]}")


NON_ASCII = [
    ("organisation-projects", {"organisation": "Høgskolen"}),
    ("project-participants", {"project": "Offentlig eid bredbånd"}),
    ("municipality-projects", {"municipality": "våle"}),
]


@pytest.mark.parametrize(("name", "params"), NON_ASCII, ids=[n for n, _ in NON_ASCII])
def test_non_ascii_parameter_gives_the_same_answer_on_both_backends(
        live_url, virtuoso_url, name, params):
    answers = []
    for base_url in (live_url, virtuoso_url):
        response = requests.get(f"{base_url}/queries/{name}", params={**params, "format": "json"},
                                timeout=TIMEOUT)
        assert response.status_code == 200, response.text[:300]
        answers.append(as_multiset(response.json(), name)[1])
    assert sum(answers[0].values()) > 0, f"{name} {params}: no rows on the embedded store"
    assert answers[0] == answers[1]


@pytest.mark.parametrize(("name", "backend"), CLIENT_CASES)
def test_sparqlwrapper_with_values_matches_the_canned_url(request, name, backend):
    base_url = request.getfixturevalue("live_url" if backend == "embedded" else "virtuoso_url")
    client_vars, client_rows = by_sparqlwrapper(base_url, name)
    canned_vars, canned_rows, _ = by_canned_url(base_url, name)
    assert set(client_vars) == set(canned_vars)
    order = [client_vars.index(v) for v in canned_vars]
    client_rows = Counter({tuple(row[i] for i in order): n for row, n in client_rows.items()})
    assert sum(canned_rows.values()) > 0
    assert client_rows == canned_rows, (
        f"{name} on {backend}: {sum(client_rows.values())} rows by SPARQLWrapper, "
        f"{sum(canned_rows.values())} by the canned URL")


# --- SPARQLWrapper's return formats, as it sends them by default and conneg-only ----------

SELECT = "SELECT ?p WHERE { ?p a <https://w3id.org/ninek/def#Project> } LIMIT 3"
CONSTRUCT = ("CONSTRUCT { ?p a <https://w3id.org/ninek/def#Project> } "
             "WHERE { ?p a <https://w3id.org/ninek/def#Project> } LIMIT 3")
WRAPPER_FORMATS = [
    (SELECT, JSON, "application/sparql-results+json"),
    (SELECT, XML, "application/sparql-results+xml"),
    (SELECT, CSV, "text/csv"),
    (SELECT, TSV, "text/tab-separated-values"),
    (CONSTRUCT, TURTLE, "text/turtle"),
    (CONSTRUCT, N3, "text/turtle"),
    (CONSTRUCT, JSONLD, "application/ld+json"),
    (CONSTRUCT, RDFXML, "application/rdf+xml"),
    (CONSTRUCT, XML, "application/rdf+xml"),
]
WRAPPER_CASES = [
    pytest.param(query, fmt, expected, conneg, id=f"{fmt}-{'conneg' if conneg else 'default'}")
    for query, fmt, expected in WRAPPER_FORMATS for conneg in (False, True)
]


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize(("query", "fmt", "expected", "conneg"), WRAPPER_CASES)
def test_sparqlwrapper_return_formats(live_url, query, fmt, expected, conneg):
    client = SPARQLWrapper(live_url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setOnlyConneg(conneg)
    client.setTimeout(TIMEOUT)
    result = client.query()
    assert result.response.info()["Content-Type"].split(";")[0] == expected
    converted = result.convert()
    if fmt == JSON:
        assert len(converted["results"]["bindings"]) == 3
    elif query == SELECT and fmt == XML:
        assert len(converted.getElementsByTagName("result")) == 3
    elif fmt in (CSV, TSV):
        assert len(converted.decode().strip().splitlines()) == 4
    elif fmt in (XML, RDFXML):
        assert len(converted) == 3  # an rdflib Graph
    else:
        import rdflib

        if isinstance(converted, rdflib.Graph):
            assert len(converted) == 3
        else:
            parser = "json-ld" if fmt == JSONLD else "turtle"
            assert len(rdflib.Graph().parse(data=converted, format=parser)) == 3


@pytest.mark.parametrize("parser", ["turtle", "ntriples", "rdfxml"])
def test_rapper_reads_a_construct_answer(live_url, parser):
    """raptor's rapper, a C client with its own Accept header, parses what it is sent."""
    url = f"{live_url}/sparql?query={quote(CONSTRUCT.replace(' LIMIT 3', ''))}"
    proc = subprocess.run(["rapper", "-i", parser, "-c", url], capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    count = int(re.search(r"returned (\d+) triples", proc.stderr).group(1))
    assert count > 10
