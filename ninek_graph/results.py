"""Write (and read back) query answers in the W3C result formats.

SELECT and ASK answers go out as SPARQL 1.1 Query Results JSON
(https://www.w3.org/TR/sparql11-results-json/), XML (https://www.w3.org/TR/rdf-sparql-XMLres/)
and, for SELECT only, CSV and TSV (https://www.w3.org/TR/sparql11-results-csv-tsv/, which
defines no boolean form). CONSTRUCT and DESCRIBE triples go out as Turtle, N-Triples, JSON-LD
and RDF/XML through pyoxigraph's serializers. The writers are hand-made because the specs fix
details general libraries get wrong: CSV's CRLF line ends and RFC 4180 quoting, TSV's Turtle
terms and ``?var`` header, XML's escaping of carriage returns.

:func:`to_spreadsheet_csv` is the CSV download for spreadsheet programs (``format=
csv-spreadsheet``), protected against formula injection; the standard CSV and TSV stay exact.

:func:`parse_json_results` reads the JSON format back into a :class:`QueryOutcome`, for the
back-end that talks to a remote endpoint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

import pyoxigraph as ox

from ninek_graph.backend import QueryError, QueryOutcome, Term

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


class NotRepresentable(QueryError):
    """The answer holds something the chosen format cannot carry (406: ask for another)."""

    status = 406


@dataclass(frozen=True)
class ResultFormat:
    """A format the endpoint offers: its media type and the ``format=`` names that select it."""

    media_type: str
    names: tuple[str, ...]
    label: str
    extension: str

    @property
    def content_type(self) -> str:
        """The Content-Type header value; text types say their charset (always UTF-8)."""
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


JSON = ResultFormat("application/sparql-results+json", ("json", "srj"), "SPARQL JSON", "srj")
XML = ResultFormat("application/sparql-results+xml", ("xml", "srx"), "SPARQL XML", "srx")
CSV = ResultFormat("text/csv", ("csv",), "CSV", "csv")
TSV = ResultFormat("text/tab-separated-values", ("tsv",), "TSV", "tsv")
TURTLE = ResultFormat("text/turtle", ("ttl", "turtle", "n3"), "Turtle", "ttl")
NTRIPLES = ResultFormat("application/n-triples", ("nt", "ntriples", "n-triples"),
                        "N-Triples", "nt")
JSONLD = ResultFormat("application/ld+json", ("jsonld", "json-ld", "json"), "JSON-LD", "jsonld")
RDFXML = ResultFormat("application/rdf+xml", ("rdfxml", "rdf", "rdf+xml", "xml", "owl"),
                      "RDF/XML", "rdf")

# Per result kind, in the server's order of preference (the first is the default).
FORMATS: dict[str, tuple[ResultFormat, ...]] = {
    "bindings": (JSON, XML, CSV, TSV),
    "boolean": (JSON, XML),
    "graph": (TURTLE, NTRIPLES, JSONLD, RDFXML),
}
_RDF_FORMATS = {
    TURTLE.media_type: ox.RdfFormat.TURTLE,
    NTRIPLES.media_type: ox.RdfFormat.N_TRIPLES,
    JSONLD.media_type: ox.RdfFormat.JSON_LD,
    RDFXML.media_type: ox.RdfFormat.RDF_XML,
}


def result_kind(form: str) -> str:
    """``bindings`` for SELECT, ``boolean`` for ASK, ``graph`` for CONSTRUCT and DESCRIBE."""
    kinds = {"SELECT": "bindings", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
    try:
        return kinds[form.upper()]
    except KeyError:
        raise ValueError(f"unknown query form {form!r}") from None


def formats_for(form_or_kind: str) -> tuple[ResultFormat, ...]:
    """The formats offered for a query form (or result kind), default first."""
    kind = form_or_kind if form_or_kind in FORMATS else result_kind(form_or_kind)
    return FORMATS[kind]


def format_names(form_or_kind: str) -> dict[str, str]:
    """``format=`` short name -> media type for a query form (or result kind)."""
    return {name: f.media_type for f in formats_for(form_or_kind) for name in f.names}


def serialize(outcome: QueryOutcome, media_type: str, *,
              prefixes: Mapping[str, str] | None = None) -> bytes:
    """Write ``outcome`` in ``media_type`` (one of :func:`formats_for` its form) as bytes."""
    kind = result_kind(outcome.form)
    if media_type not in {f.media_type for f in FORMATS[kind]}:
        raise NotRepresentable(
            f"{media_type} is not offered for {outcome.form} results; use one of "
            + ", ".join(f.media_type for f in FORMATS[kind]) + "."
        )
    if kind == "graph":
        return serialize_triples(outcome.triples, media_type, prefixes=prefixes)
    writer = {JSON.media_type: to_json, XML.media_type: to_xml,
              CSV.media_type: to_csv, TSV.media_type: to_tsv}[media_type]
    return writer(outcome)


# --- SPARQL 1.1 Query Results JSON Format, section 3 ------------------------------------------
def _json_term(term: Term) -> dict[str, Any]:
    if term.kind == "triple":
        assert term.parts is not None
        s, p, o = (_json_term(t) for t in term.parts)
        return {"type": "triple", "value": {"subject": s, "predicate": p, "object": o}}
    out: dict[str, Any] = {"type": term.kind, "value": term.value}
    if term.kind == "literal":
        if term.lang:
            out["xml:lang"] = term.lang
        elif term.datatype and term.datatype != XSD_STRING:
            out["datatype"] = term.datatype
    return out


def to_json(outcome: QueryOutcome) -> bytes:
    """SPARQL 1.1 Query Results JSON (section 3.1: ``head``, then ``results`` or ``boolean``)."""
    if outcome.json_body is not None:
        return outcome.json_body  # written by the engine, see QueryOutcome
    if outcome.form == "ASK":
        doc: dict[str, Any] = {"head": {}, "boolean": bool(outcome.boolean)}
    else:
        bindings = [
            {var: _json_term(term) for var, term in zip(outcome.variables, row, strict=True)
             if term is not None}
            for row in outcome.rows
        ]
        doc = {"head": {"vars": list(outcome.variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


# --- SPARQL Query Results XML Format (Second Edition), section 2 ------------------------------
_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_checked(value: str) -> str:
    bad = _XML_FORBIDDEN.search(value)
    if bad:
        raise NotRepresentable(
            f"The answer contains the character U+{ord(bad.group()):04X}, which XML 1.0 "
            "cannot carry; ask for application/sparql-results+json instead."
        )
    return value


def _xml_text(value: str) -> str:
    # A raw CR would be read back as LF (XML 1.0, section 2.11), so write it as a reference.
    return _xml_escape(_xml_checked(value), {"\r": "&#13;"})


def _xml_attr(value: str) -> str:
    # Attribute values are also whitespace-normalized (section 3.3.3): escape tab and LF too.
    entities = {"\r": "&#13;", '"': "&quot;", "\n": "&#10;", "\t": "&#9;"}
    return _xml_escape(_xml_checked(value), entities)


def _xml_term(term: Term) -> str:
    if term.kind == "uri":
        return f"<uri>{_xml_text(term.value)}</uri>"
    if term.kind == "bnode":
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if term.kind == "triple":
        assert term.parts is not None
        s, p, o = (_xml_term(t) for t in term.parts)
        return (f"<triple><subject>{s}</subject><predicate>{p}</predicate>"
                f"<object>{o}</object></triple>")
    attrs = ""
    if term.lang:
        attrs = f' xml:lang="{_xml_attr(term.lang)}"'
    elif term.datatype and term.datatype != XSD_STRING:
        attrs = f' datatype="{_xml_attr(term.datatype)}"'
    return f"<literal{attrs}>{_xml_text(term.value)}</literal>"


def to_xml(outcome: QueryOutcome) -> bytes:
    """SPARQL Query Results XML: ``<head>`` with variables, then ``<results>`` or ``<boolean>``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sparql xmlns="{SPARQL_RESULTS_NS}">']
    if outcome.form == "ASK":
        out += ["<head/>", f"<boolean>{'true' if outcome.boolean else 'false'}</boolean>"]
    else:
        out.append("<head>")
        out += [f'<variable name="{_xml_attr(v)}"/>' for v in outcome.variables]
        out += ["</head>", "<results>"]
        for row in outcome.rows:
            out.append("<result>")
            out += [f'<binding name="{_xml_attr(var)}">{_xml_term(term)}</binding>'
                    for var, term in zip(outcome.variables, row, strict=True)
                    if term is not None]
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>")
    return ("\n".join(out) + "\n").encode("utf-8")


# --- SPARQL 1.1 Query Results CSV and TSV Formats ---------------------------------------------
def _require_select(outcome: QueryOutcome, label: str) -> None:
    if outcome.form != "SELECT":
        raise NotRepresentable(
            f"{label} is defined for SELECT results only; ask for "
            "application/sparql-results+json or application/sparql-results+xml."
        )


def _csv_value(term: Term | None) -> str:
    """Section 2.3: IRIs and literals as plain strings, blank nodes as ``_:label``."""
    if term is None:
        return ""
    if term.kind == "bnode":
        return f"_:{term.value}"
    if term.kind == "triple":
        return _turtle_term(term)
    return term.value


def _csv_field(value: str) -> str:
    """RFC 4180 section 2: quote a field holding a quote, comma or line break (and, as any
    field may be quoted, one with edge spaces that a reader might trim)."""
    if any(c in value for c in '",\r\n') or value != value.strip(" \t"):
        return '"' + value.replace('"', '""') + '"'
    return value


def to_csv(outcome: QueryOutcome) -> bytes:
    """CSV (section 2): header of variable names, CRLF line ends, values without types."""
    _require_select(outcome, "CSV")
    lines = [",".join(_csv_field(v) for v in outcome.variables)]
    lines += [",".join(_csv_field(_csv_value(t)) for t in row) for row in outcome.rows]
    return "".join(line + "\r\n" for line in lines).encode("utf-8")


# --- CSV for spreadsheet programs --------------------------------------------------------------
#: The ``format=`` name of :func:`to_spreadsheet_csv` (``/sparql`` and ``/queries/NAME``).
SPREADSHEET_NAME = "csv-spreadsheet"
#: What a spreadsheet program reads as the start of a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def spreadsheet_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it but never evaluates it: a cell starting with
    = + - @ (or a tab or carriage return) gets a leading single quote, which Excel and
    LibreOffice read as "this is text" and do not show; a plain number (``-5``, ``+3.5``)
    is left alone, since a spreadsheet reads it as the number it is."""
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_spreadsheet_csv(outcome: QueryOutcome) -> bytes:
    """CSV for spreadsheet programs (OWASP's advice against formula injection): the W3C CSV
    of :func:`to_csv` with every cell passed through :func:`spreadsheet_cell`, and a UTF-8
    byte order mark, without which Excel reads UTF-8 as a legacy code page (ø, æ, å
    garbled). It alters data (the quotes and the BOM), which is why it is a download of its
    own and ``text/csv`` stays the standard format."""
    _require_select(outcome, "CSV")
    lines = [",".join(_csv_field(spreadsheet_cell(v)) for v in outcome.variables)]
    lines += [",".join(_csv_field(spreadsheet_cell(_csv_value(t))) for t in row)
              for row in outcome.rows]
    return ("\ufeff" + "".join(line + "\r\n" for line in lines)).encode("utf-8")


_TURTLE_NUMBER = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.?[0-9]+[eE][+-]?[0-9]+)"),
    XSD + "boolean": re.compile(r"true|false"),
}
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _turtle_iri(iri: str) -> str:
    return "<" + _IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def _turtle_term(term: Term) -> str:
    """A term in Turtle / N-Triples syntax, numbers abbreviated as Turtle allows."""
    if term.kind == "uri":
        return _turtle_iri(term.value)
    if term.kind == "bnode":
        return f"_:{term.value}"
    if term.kind == "triple":
        assert term.parts is not None
        return "<<( " + " ".join(_turtle_term(t) for t in term.parts) + " )>>"
    datatype = term.datatype
    if datatype in _TURTLE_NUMBER and _TURTLE_NUMBER[datatype].fullmatch(term.value):
        return term.value
    quoted = '"' + "".join(_STRING_ESCAPES.get(c, c) for c in term.value) + '"'
    if term.lang:
        return f"{quoted}@{term.lang}"
    if datatype and datatype != XSD_STRING:
        return f"{quoted}^^{_turtle_iri(datatype)}"
    return quoted


def to_tsv(outcome: QueryOutcome) -> bytes:
    """TSV (section 3): ``?var`` header, terms in Turtle syntax, tab and newline escaped."""
    _require_select(outcome, "TSV")
    lines = ["\t".join(f"?{v}" for v in outcome.variables)]
    lines += ["\t".join("" if t is None else _turtle_term(t) for t in row)
              for row in outcome.rows]
    return "".join(line + "\n" for line in lines).encode("utf-8")


# --- RDF graphs --------------------------------------------------------------------------------
def term_to_oxigraph(term: Term, bnodes: dict[str, ox.BlankNode] | None = None) -> Any:
    """A :class:`Term` as a pyoxigraph term. Blank node labels pyoxigraph rejects (for
    example Virtuoso's ``nodeID://b1``) get fresh labels, the same one per label in ``bnodes``."""
    if term.kind == "uri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        memo = {} if bnodes is None else bnodes
        if term.value not in memo:
            try:
                memo[term.value] = ox.BlankNode(term.value)
            except ValueError:
                memo[term.value] = ox.BlankNode()
        return memo[term.value]
    if term.kind == "triple":
        assert term.parts is not None
        return ox.Triple(*(term_to_oxigraph(t, bnodes) for t in term.parts))
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype or XSD_STRING))


def term_from_oxigraph(node: Any) -> Term:
    """A pyoxigraph term as a plain :class:`Term` (section 3.2.2 of the JSON results spec)."""
    if isinstance(node, ox.NamedNode):
        return Term("uri", node.value)
    if isinstance(node, ox.BlankNode):
        return Term("bnode", node.value)
    if isinstance(node, ox.Literal):
        if node.language:
            return Term("literal", node.value, lang=node.language)
        datatype = node.datatype.value
        return Term("literal", node.value, None if datatype == XSD_STRING else datatype)
    if isinstance(node, ox.Triple):
        parts = (term_from_oxigraph(node.subject), term_from_oxigraph(node.predicate),
                 term_from_oxigraph(node.object))
        return Term("triple", "", parts=parts)
    raise TypeError(f"not an RDF term: {node!r}")


def serialize_triples(triples: Iterable[tuple[Term, Term, Term]], media_type: str, *,
                      prefixes: Mapping[str, str] | None = None) -> bytes:
    """Triples in Turtle, N-Triples, JSON-LD or RDF/XML, written by pyoxigraph."""
    bnodes: dict[str, ox.BlankNode] = {}
    converted = [ox.Triple(*(term_to_oxigraph(t, bnodes) for t in triple)) for triple in triples]
    rdf_format = _RDF_FORMATS[media_type]
    use_prefixes = dict(prefixes) if prefixes and rdf_format != ox.RdfFormat.N_TRIPLES else None
    try:
        return ox.serialize(converted, format=rdf_format, prefixes=use_prefixes)
    except (ValueError, OSError) as error:  # e.g. RDF/XML cannot write every predicate IRI
        raise NotRepresentable(
            f"The triples cannot be written as {media_type} ({error}); ask for text/turtle."
        ) from None


def parse_triples(data: bytes, media_type: str) -> list[tuple[Term, Term, Term]]:
    """Read Turtle, N-Triples, JSON-LD or RDF/XML triples into plain terms."""
    rdf_format = ox.RdfFormat.from_media_type(media_type.split(";")[0].strip())
    if rdf_format is None:
        raise ValueError(f"cannot read RDF in {media_type}")
    return [(term_from_oxigraph(q.subject), term_from_oxigraph(q.predicate),
             term_from_oxigraph(q.object)) for q in ox.parse(data, format=rdf_format)]


# --- Reading SPARQL JSON results back ---------------------------------------------------------
def _term_from_json(obj: Mapping[str, Any]) -> Term:
    kind = obj["type"]
    if kind == "triple":
        value = obj["value"]
        parts = (_term_from_json(value["subject"]), _term_from_json(value["predicate"]),
                 _term_from_json(value["object"]))
        return Term("triple", "", parts=parts)
    if kind in ("literal", "typed-literal"):  # "typed-literal": SPARQL 2008 drafts, Virtuoso
        lang = obj.get("xml:lang")
        datatype = obj.get("datatype")
        if lang or datatype in (XSD_STRING, RDF_LANGSTRING):
            datatype = None
        return Term("literal", obj["value"], datatype, lang or None)
    if kind in ("uri", "bnode"):
        return Term(kind, obj["value"])
    raise ValueError(f"unknown RDF term type {kind!r} in SPARQL JSON results")


def parse_json_results(data: bytes | str, *, max_rows: int | None = None) -> QueryOutcome:
    """Read SPARQL 1.1 Query Results JSON into a :class:`QueryOutcome`, keeping at most
    ``max_rows`` rows (and saying so). Raises ``ValueError`` for a malformed document."""
    try:
        doc = json.loads(data)
        if "boolean" in doc:
            return QueryOutcome(form="ASK", boolean=bool(doc["boolean"]))
        variables: Sequence[str] = doc["head"].get("vars", [])
        bindings = doc["results"]["bindings"]
        outcome = QueryOutcome(form="SELECT", variables=list(variables))
        for binding in bindings:
            if max_rows is not None and len(outcome.rows) >= max_rows:
                outcome.truncated = True
                outcome.warnings.append(
                    f"Only the first {max_rows:,} rows are shown; the answer has more."
                )
                break
            outcome.rows.append([
                _term_from_json(binding[v]) if v in binding else None for v in variables
            ])
        return outcome
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
        raise ValueError(f"not a SPARQL JSON results document: {error}") from None
