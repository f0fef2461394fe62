"""The query workbench (``/workbench``) and the charts (``/charts``).

Both pages are HTML shells around browser code in ``web/static/js/``: the workbench edits a
query in a vendored CodeMirror 6 (``web/static/vendor/codemirror/``, see its VENDORED.md) and
sends it to ``/sparql``; the charts fetch canned queries' SPARQL JSON from ``/queries/NAME``
and draw SVG. Nothing is loaded from another host. Without JavaScript the workbench is a
plain form posting to ``/sparql`` (which answers a browser with an HTML table), and each
chart links to its canned query, whose page has the same data as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, render_template

from . import canned
from .execute import PREFIXES

bp = Blueprint("workbench", __name__)

#: Values the gallery fills in for required parameters, so that a loaded example runs as it
#: is; the user edits them in the query's VALUES line. By parameter name, or by query and
#: name where a query reads the name differently (successor-projects wants a municipality
#: that exists today, and Re became part of Tønsberg in 2020).
EXAMPLE_VALUES = {"municipality": "Re", "project": "Geodata", "organisation": "HVE"}
QUERY_EXAMPLE_VALUES = {("successor-projects", "municipality"): "Færder"}


def example_value(query: str, parameter: canned.Parameter) -> str:
    """The value the example's VALUES line binds, in the form the query compares (a ``key``
    parameter in lookup-key form: lower case)."""
    raw = parameter.default if parameter.default is not None else QUERY_EXAMPLE_VALUES.get(
        (query, parameter.name), EXAMPLE_VALUES.get(parameter.name, ""))
    return parameter.bind(raw).value if raw else raw

DEFAULT_QUERY = """SELECT ?project ?title ?startYear ?endYear
WHERE {
  ?project a nk:Project ;
           dcterms:title ?title .
  OPTIONAL { ?project nk:startYear ?startYear }
  OPTIONAL { ?project nk:endYear ?endYear }
}
ORDER BY ?startYear ?title
LIMIT 25
"""


@dataclass(frozen=True)
class Chart:
    """One chart of ``/charts``: the canned query it is drawn from and what it shows."""

    id: str
    title: str
    query: str
    summary: str


CHARTS = (
    Chart("timeline", "Project timeline 1998-2005", "projects",
          "One bar per project from its start year to its end year, coloured by category. "
          "A project the source gives no end year for is drawn to 2005 and ends in an arrow."),
    Chart("matrix", "Which municipality took part in which project", "participation-matrix",
          "A grid of projects (rows) and municipalities (columns); a filled square marks that "
          "the municipality took part in the project as participant or host."),
    Chart("funding", "Funding flows: funder, project, recipient", "grants",
          "Bands from each funder to the project it funded and on to the recipients the "
          "source names; a band's width is the amount in NOK."),
    Chart("network", "Projects and organisations", "project-organisation-network",
          "Organisations other than municipalities (left) joined to the projects they took "
          "part in, funded or led (right), coloured by their role."),
)


def prefix_block() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def examples() -> list[dict]:
    """The canned-query gallery as data for the page's script (``tojson`` escapes it)."""
    gallery = []
    for name, query in canned.all_queries().items():
        gallery.append({
            "name": name,
            "title": query.title,
            "description": query.description,
            "text": query.text,
            "parameters": [
                {"name": p.name, "variable": p.variable, "type": p.type,
                 "value": example_value(name, p)}
                for p in query.parameters
            ],
        })
    return gallery


@bp.get("/workbench")
def workbench() -> Response:
    return Response(
        render_template("workbench/workbench.html", initial_query=prefix_block() + "\n"
                        + DEFAULT_QUERY, examples=examples(), prefixes=PREFIXES),
        content_type="text/html; charset=utf-8",
    )


@bp.get("/charts")
def charts() -> Response:
    queries = canned.all_queries()
    return Response(
        render_template("workbench/charts.html", charts=CHARTS,
                        titles={c.query: queries[c.query].title for c in CHARTS}),
        content_type="text/html; charset=utf-8",
    )
