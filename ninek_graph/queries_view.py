"""Canned queries on the web: ``/queries`` (the list) and ``/queries/NAME``.

``/queries/NAME`` is an HTML form with the query's parameters, its answer as a table whose
IRIs link to entity pages, and the SPARQL text; the same URL answers machines in SPARQL
JSON, XML, CSV or TSV by ``Accept`` or ``format=``. Answers are cached per build.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request

from . import canned, results, security_log
from .answers import answer_key, cached_answer
from .backend import QueryError, QueryTimeout
from .client import ensure_present
from .execute import Request, check, run
from .html_results import table
from .negotiation import negotiate
from .pages_view import local, url
from .sparql_view import answered, decode_pairs, page_budget

bp = Blueprint("queries", __name__)
HTML = "text/html"


@bp.get("/queries")
def index() -> Response:
    queries = canned.all_queries()
    media_type = negotiate(request.headers.get("Accept"), [HTML, "application/json"],
                           format_param=request.args.get("format"),
                           format_names={"html": HTML, "json": "application/json"})
    if media_type == "application/json":
        return current_app.response_class(
            current_app.json.dumps({
                name: {
                    "title": q.title,
                    "description": q.description,
                    "url": url(f"queries/{name}"),
                    "parameters": [p.__dict__ for p in q.parameters],
                }
                for name, q in queries.items()
            }),
            content_type="application/json",
        )
    response = Response(render_template("queries/list.html", queries=queries),
                        content_type="text/html; charset=utf-8")
    response.headers["Link"] = (f'<{url("queries")}?format=json>; rel="alternate"; '
                                'type="application/json"')
    return response


def run_canned(name: str, raw: dict[str, str]):
    """Bind, check and run a canned query; return (query, bindings, outcome)."""
    query = canned.get(name)
    bindings = query.bindings(raw)
    check(query.text)
    outcome = run(Request(query.text, tuple(sorted(bindings.items()))))
    return query, bindings, outcome


@bp.get("/queries/<name>")
def show(name: str) -> Response:
    query = canned.get(name)
    # invalid UTF-8 is a 400, not U+FFFD; more than MAX_PARAMETERS parameters are a 400
    pairs = decode_pairs(request.query_string)
    counts = Counter(k for k, _ in pairs)  # one pass: the check was quadratic
    repeated = next((k for k, n in counts.items() if n > 1), None)
    if repeated is not None:
        raise canned.ParameterError(f"parameter {repeated!r} is given more than once")
    raw = {k: v for k, v in pairs if k != "format"}
    wanted = dict(pairs).get("format")
    if wanted == results.SPREADSHEET_NAME:
        key = answer_key("canned", name, sorted(raw.items()), wanted)
        return cached_answer(key, lambda: answered(run_canned(name, raw)[2], wanted))
    offered = [f.media_type for f in results.formats_for("SELECT")]
    media_type = negotiate(request.headers.get("Accept"), [HTML] + offered,
                           format_param=wanted,
                           format_names={**results.format_names("SELECT"), "html": HTML})
    if media_type == HTML:
        return _html(query, raw)
    key = answer_key("canned", name, sorted(raw.items()), media_type)
    return cached_answer(key, lambda: answered(run_canned(name, raw)[2], media_type))


def _html(query: canned.CannedQuery, raw: dict[str, str]) -> Response:
    missing = [p.name for p in query.parameters if p.required and not raw.get(p.name)]
    context: dict = {"query": query, "values": raw, "missing": missing, "error": None,
                     "downloads": _downloads(query.name, raw)}
    status = 200
    if not missing or not raw:
        try:
            if not missing:
                _, _, outcome = run_canned(query.name, raw)
                ensure_present()
                context["table"] = table(
                    outcome, max_cells=int(current_app.config["HTML_MAX_CELLS"]),
                    root=local(""), downloads=context["downloads"][:3],
                    max_bytes=page_budget(query.text + "".join(k + v for k, v in raw.items())))
        except QueryError as error:
            context["error"] = error.message
            status = error.status
            security_log.record(status, error.message,
                                event="timeout" if isinstance(error, QueryTimeout) else None)
    elif missing:
        context["error"] = "Missing required parameter(s): " + ", ".join(missing)
        status = 400
    response = Response(render_template("queries/query.html", **context), status=status,
                        content_type="text/html; charset=utf-8")
    alternates = ", ".join(
        f'<{local("queries/" + query.name)}?format={fmt}>; rel="alternate"; type="{mt}"'
        for fmt, mt in (("json", "application/sparql-results+json"), ("csv", "text/csv"),
                        ("tsv", "text/tab-separated-values"),
                        ("xml", "application/sparql-results+xml"))
    )
    response.headers["Link"] = alternates
    response.headers["Vary"] = "Accept"
    return response


DOWNLOADS = (("CSV", "csv"), ("CSV for spreadsheets", results.SPREADSHEET_NAME),
             ("JSON", "json"), ("TSV", "tsv"), ("XML", "xml"))


def _downloads(name: str, raw: dict[str, str]) -> list[tuple[str, str]]:
    """(label, link) of the whole answer in each format, with the page's parameters."""
    base = local("queries/" + name) + "?"
    return [(label, base + urlencode([*raw.items(), ("format", fmt)]))
            for label, fmt in DOWNLOADS]
