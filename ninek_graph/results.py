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

import io
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


#: What a response cut at the byte budget says (header X-Ninek-Warning-N).
CUT_WARNING = ("The answer was cut after its last whole row that fits max_answer_mib in this "
               "format; ask for JSON (or a narrower query) for more.")


def max_answer_bytes(config: Mapping[str, Any]) -> int:
    """The byte budget of one answer in any format, from ``max_answer_mib`` (a Flask config,
    upper-case keys): the engine cuts its JSON (or N-Triples) at it, and every format made
    from that here is cut at it too, since escaping can make one several times bigger."""
    return int(float(config.get("MAX_ANSWER_MIB") or 32) * (1 << 20))


def serialize(outcome: QueryOutcome, media_type: str, *,
              prefixes: Mapping[str, str] | None = None) -> bytes:
    """Write ``outcome`` in ``media_type`` (one of :func:`formats_for` its form) as bytes."""
    return serialize_bounded(outcome, media_type, prefixes=prefixes)[0]


def serialize_bounded(outcome: QueryOutcome, media_type: str, *,
                      prefixes: Mapping[str, str] | None = None,
                      max_bytes: int | None = None) -> tuple[bytes, bool]:
    """Like :func:`serialize`, at most ``max_bytes`` bytes (None: no bound): (body, whether
    it was cut). A cut answer ends after its last whole row (or triple) that fits; an
    answer of exactly ``max_bytes`` is whole. The engine's own JSON is sent as it is (the
    engine already cut it at the same budget)."""
    kind = result_kind(outcome.form)
    if media_type not in {f.media_type for f in FORMATS[kind]}:
        raise NotRepresentable(
            f"{media_type} is not offered for {outcome.form} results; use one of "
            + ", ".join(f.media_type for f in FORMATS[kind]) + "."
        )
    if kind == "graph":
        return _bounded_triples(outcome.triples, media_type, prefixes, max_bytes)
    if media_type == JSON.media_type:
        return to_json(outcome), False
    writer = {XML.media_type: _xml_parts, CSV.media_type: _csv_parts,
              TSV.media_type: _tsv_parts}[media_type]
    return _fit(*writer(outcome), max_bytes)


def _fit(head: str, rows: Iterable[str], tail: str, cut_tail: str,
         max_bytes: int | None) -> tuple[bytes, bool]:
    """``head``, as many whole ``rows`` as fit in ``max_bytes`` and ``tail``, or, when not
    all fit, ``cut_tail`` (which may carry a notice) after the rows that fit with it."""
    out = [head.encode("utf-8")]
    size = len(out[0]) + len(tail.encode("utf-8"))
    for row in rows:
        data = row.encode("utf-8")
        if max_bytes is not None and size + len(data) > max_bytes:
            ending = cut_tail.encode("utf-8")
            size += len(ending) - len(tail.encode("utf-8"))
            while len(out) > 1 and size > max_bytes:
                size -= len(out.pop())
            return b"".join(out) + ending, True
        out.append(data)
        size += len(data)
    return b"".join(out) + tail.encode("utf-8"), False


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


XML_CUT_NOTICE = ("<!-- The answer was cut here: the whole of it is larger than this server "
                  "sends (max_answer_mib); see the X-Ninek-Truncated header. -->\n")


def _xml_parts(outcome: QueryOutcome) -> tuple[str, Iterable[str], str, str]:
    head = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sparql xmlns="{SPARQL_RESULTS_NS}">']
    if outcome.form == "ASK":
        head += ["<head/>", f"<boolean>{'true' if outcome.boolean else 'false'}</boolean>",
                 "</sparql>"]
        return "\n".join(head) + "\n", (), "", ""
    head.append("<head>")
    head += [f'<variable name="{_xml_attr(v)}"/>' for v in outcome.variables]
    head += ["</head>", "<results>"]

    def rows() -> Iterable[str]:
        for row in outcome.rows:
            yield "<result>\n" + "".join(
                f'<binding name="{_xml_attr(var)}">{_xml_term(term)}</binding>\n'
                for var, term in zip(outcome.variables, row, strict=True)
                if term is not None) + "</result>\n"

    tail = "</results>\n</sparql>\n"
    return "\n".join(head) + "\n", rows(), tail, XML_CUT_NOTICE + tail


def to_xml(outcome: QueryOutcome) -> bytes:
    """SPARQL Query Results XML: ``<head>`` with variables, then ``<results>`` or ``<boolean>``."""
    return _fit(*_xml_parts(outcome), None)[0]


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


def _csv_parts(outcome: QueryOutcome, cell=lambda value: value,
               bom: str = "") -> tuple[str, Iterable[str], str, str]:
    _require_select(outcome, "CSV")
    head = bom + ",".join(_csv_field(cell(v)) for v in outcome.variables) + "\r\n"
    rows = (",".join(_csv_field(cell(_csv_value(t))) for t in row) + "\r\n"
            for row in outcome.rows)
    return head, rows, "", ""  # CSV has no place for a notice: the header says it


def to_csv(outcome: QueryOutcome) -> bytes:
    """CSV (section 2): header of variable names, CRLF line ends, values without types."""
    return _fit(*_csv_parts(outcome), None)[0]


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
    return spreadsheet_csv_bounded(outcome)[0]


def spreadsheet_csv_bounded(outcome: QueryOutcome,
                            max_bytes: int | None = None) -> tuple[bytes, bool]:
    """:func:`to_spreadsheet_csv` in at most ``max_bytes`` bytes: (body, whether cut)."""
    return _fit(*_csv_parts(outcome, spreadsheet_cell, "\ufeff"), max_bytes)


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
    return _fit(*_tsv_parts(outcome), None)[0]


def _tsv_parts(outcome: QueryOutcome) -> tuple[str, Iterable[str], str, str]:
    _require_select(outcome, "TSV")
    head = "\t".join(f"?{v}" for v in outcome.variables) + "\n"
    rows = ("\t".join("" if t is None else _turtle_term(t) for t in row) + "\n"
            for row in outcome.rows)
    return head, rows, "", ""


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


#: Characters a graph format may write as several (XML's &lt; &quot;, JSON's \u0001).
_GROWS = re.compile(r'[<>&"\'\\\x00-\x1f\x7f]')


def _estimate(triple: tuple[Term, Term, Term]) -> int:
    """Bytes one triple may take in the largest of the graph formats (a bound, mostly)."""
    total = 96
    for term in triple:
        parts = term.parts if term.kind == "triple" and term.parts else (term,)
        for part in parts:
            text = part.value + (part.datatype or "") + (part.lang or "")
            total += 40 + len(text.encode("utf-8")) + 5 * len(_GROWS.findall(text))
    return total


class _Overflow(Exception):
    """The document being written passed its byte budget."""


class _CappedBuffer(io.RawIOBase):
    """Where pyoxigraph writes a document: refuses to hold more than ``limit`` bytes, so a
    document too large is never made whole in memory (pyoxigraph writes in 16 KiB pieces)."""

    def __init__(self, limit: int | None):
        self.limit = limit
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:  # type: ignore[override]
        self.data += chunk
        if self.limit is not None and len(self.data) > self.limit:
            raise _Overflow
        return len(chunk)


def _bounded_triples(triples: Sequence[tuple[Term, Term, Term]], media_type: str,
                     prefixes: Mapping[str, str] | None,
                     max_bytes: int | None) -> tuple[bytes, bool]:
    """The triples in ``media_type``, or the most first ones whose document fits
    ``max_bytes``. Each attempt is written into a buffer that stops at the budget; the
    first tries all, then the count estimated from the triples' sizes, then a binary search
    (a few attempts, each bounded by the budget, and only for an answer that is cut)."""
    bnodes: dict[str, ox.BlankNode] = {}
    converted = [ox.Triple(*(term_to_oxigraph(t, bnodes) for t in triple)) for triple in triples]
    rdf_format = _RDF_FORMATS[media_type]
    use_prefixes = dict(prefixes) if prefixes and rdf_format != ox.RdfFormat.N_TRIPLES else None

    def written(count: int) -> bytes | None:
        buffer = _CappedBuffer(max_bytes)
        try:
            ox.serialize(converted[:count], buffer, format=rdf_format, prefixes=use_prefixes)
        except _Overflow:
            return None
        except (ValueError, OSError) as error:  # e.g. RDF/XML cannot write every predicate
            raise NotRepresentable(
                f"The triples cannot be written as {media_type} ({error}); ask for "
                "text/turtle.") from None
        return bytes(buffer.data)

    whole = written(len(converted))
    if whole is not None:
        return whole, False
    fits, fits_body = 0, written(0) or b""
    too_big = len(converted)
    guess, size = 0, 0
    for triple in triples:
        size += _estimate(triple)
        if size > (max_bytes or 0):
            break
        guess += 1
    while too_big - fits > 1:
        probe = guess if fits < guess < too_big else (fits + too_big) // 2
        guess = -1
        body = written(probe)
        if body is None:
            too_big = probe
        else:
            fits, fits_body = probe, body
    return fits_body, True


def parse_triples(data: bytes, media_type: str) -> list[tuple[Term, Term, Term]]:
    """Read Turtle, N-Triples, JSON-LD or RDF/XML triples into plain terms."""
    rdf_format = ox.RdfFormat.from_media_type(media_type.split(";")[0].strip())
    if rdf_format is None:
        raise ValueError(f"cannot read RDF in {media_type}")
    return [(term_from_oxigraph(q.subject), term_from_oxigraph(q.predicate),
             term_from_oxigraph(q.object)) for q in ox.parse(data, format=rdf_format)]


# --- Reading SPARQL JSON results back ---------------------------------------------------------
def row_from_binding(binding: Mapping[str, Any], variables: Sequence[str]) -> list[Term | None]:
    """One solution of SPARQL JSON results (section 3.2.2) as terms, None where unbound."""
    return [_term_from_json(binding[v]) if v in binding else None for v in variables]


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
            outcome.rows.append(row_from_binding(binding, variables))
        return outcome
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
        raise ValueError(f"not a SPARQL JSON results document: {error}") from None
