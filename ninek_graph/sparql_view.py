"""The SPARQL 1.1 endpoint at ``/sparql`` (SPARQL 1.1 Protocol, W3C Recommendation).

Query operation (section 2.1): GET with ``query=``, POST with a URL-encoded form, POST with
``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` select among the
published graphs. Update operation (section 2.2) is refused with 403: the endpoint is
read-only. GET without a query answers with a SPARQL Service Description (W3C SPARQL 1.1
Service Description). Every query passes :mod:`.sparql_guard` before any engine sees it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, current_app, render_template, request

from . import results
from .answers import Answer, answer_key, cached_answer
from .backend import QueryError, UpdateRefused
from .client import ensure_present
from .execute import PREFIXES, Request, check, run, to_answer
from .negotiation import negotiate
from .origin import public_base
from .service_description import service_description

bp = Blueprint("sparql", __name__)

HTML = "text/html"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
MAX_PARAMETERS = 400


class ProtocolError(QueryError):
    """The HTTP request is not a well-formed SPARQL protocol request."""


class UnsupportedMediaType(QueryError):
    status = 415


def decode_pairs(raw: bytes) -> list[tuple[str, str]]:
    """Decode a query string or form body once, strictly as UTF-8, refusing more than
    :data:`MAX_PARAMETERS` parameters before parsing any (their checks are linear, but a
    URL of thousands of parameters is no request a person or a SPARQL client makes)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("The request is not valid UTF-8 (after percent-decoding).") from None
    count = sum(1 for piece in text.split("&") if piece)
    if count > MAX_PARAMETERS:
        raise ProtocolError(f"The request has {count:,} parameters; at most {MAX_PARAMETERS} "
                            "are accepted.")
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError("The request is not valid UTF-8 (after percent-decoding).") from None


def _one(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in pairs if key == name]
    if len(values) > 1:
        raise ProtocolError(
            f"The request has {len(values)} '{name}' parameters; send exactly one "
            "(SPARQL 1.1 Protocol, section 2.1)."
        )
    return values[0] if values else None


def _format(pairs: list[tuple[str, str]], names: dict[str, str]) -> str | None:
    """The ``format`` (or ``output``/``results``) parameter. SPARQLWrapper sends several,
    some as short names and some as media-type lists ("application/ld+json,
    application/x-json+ld"); they must agree on one format once resolved."""
    values = [value for key, value in pairs if key in ("format", "output", "results") and value]
    resolved = {}
    for value in values:
        for candidate in value.split(","):
            base = candidate.split(";")[0].strip().lower()
            media_type = names.get(base) or (base if base in names.values() else None)
            if media_type:
                resolved.setdefault(media_type, candidate.strip())
                break
        else:
            resolved.setdefault(value, value)  # unknown: negotiate() explains what is valid
    if len(resolved) > 1:
        raise ProtocolError(
            f"Conflicting format parameters: {', '.join(sorted(values))}; send one format."
        )
    return next(iter(resolved.values())) if resolved else None


def _all(pairs: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    return tuple(value for key, value in pairs if key == name)


def parse_protocol_request() -> tuple[str | None, list[tuple[str, str]]]:
    """(query text or None, all parameters) of the request; raises for malformed ones."""
    url_pairs = decode_pairs(request.query_string)
    if request.method == "GET":
        if _one(url_pairs, "update") is not None:
            raise UpdateRefused("This endpoint is read-only; SPARQL Update is refused.")
        return _one(url_pairs, "query"), url_pairs
    content_type = (request.mimetype or "").lower()
    if content_type == FORM:
        form_pairs = decode_pairs(request.get_data(cache=True))
        if _one(form_pairs, "update") is not None:
            raise UpdateRefused("This endpoint is read-only; SPARQL Update is refused.")
        if _one(url_pairs, "query") is not None:
            raise ProtocolError("Send the query in the form body or the URL, not both.")
        query = _one(form_pairs, "query")
        if query is None:
            raise ProtocolError("The form has no 'query' parameter.")
        return query, form_pairs + url_pairs
    if content_type == SPARQL_QUERY:
        if _one(url_pairs, "query") is not None:
            raise ProtocolError(
                "A POST with Content-Type application/sparql-query carries the query in its "
                "body; do not also send a 'query' URL parameter."
            )
        try:
            body = request.get_data(cache=True).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("The query body is not valid UTF-8.") from None
        return body, url_pairs
    if content_type == SPARQL_UPDATE:
        raise UpdateRefused("This endpoint is read-only; SPARQL Update is refused.")
    raise UnsupportedMediaType(
        f"POST needs Content-Type {FORM} (with query=...) or {SPARQL_QUERY} (the query as "
        f"the body); got {request.mimetype or 'none'}."
    )


@bp.route("/sparql", methods=["GET", "POST"], provide_automatic_options=False)
def endpoint() -> Response:
    query, pairs = parse_protocol_request()
    if query is None:
        return _service_description()
    if not query.strip():
        raise ProtocolError("The query is empty.")
    default_graphs = _all(pairs, "default-graph-uri")
    named_graphs = _all(pairs, "named-graph-uri")
    info = check(query, default_graphs, named_graphs)
    offered = [f.media_type for f in results.formats_for(info.form)]
    browser_offer = offered + [HTML]
    names = {**results.format_names(info.form), "html": HTML}
    wanted = _format(pairs, names)
    request_ = Request(query, (), default_graphs, named_graphs)
    if wanted == results.SPREADSHEET_NAME and info.form == "SELECT":
        key = answer_key("sparql", query, default_graphs, named_graphs, wanted)
        return cached_answer(key, lambda: answered(run(request_), wanted))
    media_type = negotiate(
        request.headers.get("Accept"), browser_offer, format_param=wanted, format_names=names,
    )
    key = answer_key("sparql", query, default_graphs, named_graphs, media_type)
    if media_type == HTML:  # a page for people: rendered each time, not cached
        return _html_results(query, run(request_), key, default_graphs, named_graphs)
    return cached_answer(key, lambda: answered(run(request_), media_type))


def answered(outcome, media_type: str) -> Answer:
    """The answer to send, unless the client left while the query ran (then nothing is
    written: see :mod:`.client`). ``media_type`` may also be
    :data:`.results.SPREADSHEET_NAME`, the CSV for spreadsheet programs."""
    ensure_present()
    if media_type == results.SPREADSHEET_NAME:
        return spreadsheet_answer(outcome)
    return to_answer(outcome, media_type)


def spreadsheet_answer(outcome) -> Answer:
    """``format=csv-spreadsheet``: CSV whose cells a spreadsheet cannot run as formulas
    (:func:`.results.to_spreadsheet_csv`), as a file download."""
    body, cut = results.spreadsheet_csv_bounded(
        outcome, results.max_answer_bytes(current_app.config))
    headers = [("Access-Control-Allow-Origin", "*"),
               ("Content-Disposition", 'attachment; filename="answer.csv"')]
    if outcome.truncated or cut:
        headers.append(("X-Ninek-Truncated", "true"))
    if cut:
        headers.append(("X-Ninek-Warning-1", results.CUT_WARNING))
    return Answer(body, results.CSV.content_type, tuple(headers))


def _html_results(query: str, outcome, key: str, default_graphs: tuple[str, ...],
                  named_graphs: tuple[str, ...]) -> Response:
    from .html_results import table
    from .pages_view import local

    ensure_present()
    dataset = [("default-graph-uri", g) for g in default_graphs] + [
        ("named-graph-uri", g) for g in named_graphs]
    formats = ([("CSV", "csv"), ("CSV for spreadsheets", results.SPREADSHEET_NAME),
                ("JSON", "json")] if outcome.form == "SELECT" else [("Turtle", "ttl"),
                                                                   ("N-Triples", "nt")])
    downloads = [(label, local("sparql") + "?" + urlencode(
        [("query", query), *dataset, ("format", fmt)])) for label, fmt in formats]
    answer = table(outcome, max_cells=int(current_app.config["HTML_MAX_CELLS"]),
                   root=local(""), downloads=downloads,
                   max_bytes=page_budget(query + "".join(g for _, g in dataset)))
    body = render_template("sparql/results.html", query=query, table=answer)
    response = Response(body, content_type="text/html; charset=utf-8")
    response.set_etag(key)
    response.headers["Vary"] = "Accept"
    return response


#: Bytes of an answer page that are not the table: the layout, notices, the form.
PAGE_FRAME_BYTES = 64 << 10


def page_budget(echoed: str) -> int:
    """Bytes the table of an answer page may take so the whole page stays within
    ``max_answer_mib``. ``echoed`` is what the page repeats from the request (the query,
    parameters): escaped (up to 6 bytes a byte, ``&#34;``) in the text and the form, and
    percent-encoded (up to 3, then ``&amp;``) in each of up to 8 download links."""
    size = len(echoed.encode("utf-8")) * (2 * 6 + 8 * 5)
    return max(0, results.max_answer_bytes(current_app.config) - PAGE_FRAME_BYTES - size)


def _service_description() -> Response:
    formats = ["text/turtle", "application/n-triples", "application/ld+json",
               "application/rdf+xml"]
    media_type = negotiate(request.headers.get("Accept"), formats + [HTML],
                           format_param=request.args.get("format"),
                           format_names={"ttl": formats[0], "turtle": formats[0],
                                         "nt": formats[1], "jsonld": formats[2],
                                         "rdfxml": formats[3], "html": HTML})
    if media_type == HTML:
        from .canned import all_queries

        return Response(
            render_template("sparql/endpoint.html", queries=all_queries(), prefixes=PREFIXES),
            content_type="text/html; charset=utf-8",
        )
    graph = service_description(public_base() + "sparql")  # never a forged Host
    body = graph.serialize(format={"text/turtle": "turtle", "application/n-triples": "nt",
                                   "application/ld+json": "json-ld",
                                   "application/rdf+xml": "xml"}[media_type], encoding="utf-8")
    response = Response(body, content_type=media_type + (
        "; charset=utf-8" if media_type == "text/turtle" else ""))
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/sparql", methods=["OPTIONS"])
def preflight() -> Response:
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, If-None-Match"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.errorhandler(QueryError)
def _on_error(error: QueryError):
    from .errors import query_error_response

    response = query_error_response(error)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
