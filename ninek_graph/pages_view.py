"""Linked-data pages: dereferencing, entity pages, home, search, data quality, source, ontology.

Dereferencing follows "Cool URIs for the Semantic Web" (W3C Interest Group Note, 2008),
section 4.3, *303 URIs forwarding to different documents*. An entity IRI such as
``https://w3id.org/ninek/project/geodata`` names a thing (a project), not a document, so
``GET /project/geodata`` answers ``303 See Other`` to the document that describes it, chosen
by the ``Accept`` header: ``/project/geodata.html`` for browsers (and ``*/*``), ``.ttl``,
``.jsonld``, ``.nt`` or ``.rdf`` for RDF clients. The 303 carries ``Vary: Accept``. The
documents themselves are stable URLs that always answer with their own format, whatever the
Accept header, with an ETag derived from the build (304 for ``If-None-Match``). Hash IRIs
(``…/grant/x#amount``, ``…/def#Project``) need no rule of their own: the client strips the
fragment and gets the document that describes them. We chose 303 over serving the
description directly with ``Content-Location`` because every description then has a URL of
its own that can be bookmarked, cited and cached without ``Vary``.

Canonical IRIs are mapped to the server's own base in every link and redirect: the
``public_base`` setting, or, when it is empty, the base URL of a request to a loopback host
and a relative path otherwise (:mod:`.origin`). The RDF keeps the canonical
``https://w3id.org/ninek/`` IRIs, so nothing local leaks into the data. Other IRIs are links
only when they are http(s) URLs (:mod:`.links`).

Every string from the data reaches the page through Jinja's autoescaping (also inside the
server-drawn SVG timelines).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
)
from werkzeug.exceptions import BadRequest, NotFound

from . import origin, paths, results
from .answers import Answer, answer_key, cached_answer, not_modified
from .backend import DATA_GRAPH
from .execute import PREFIXES
from .links import linkable, own_path
from .namespaces import BASE
from .negotiation import NotAcceptable, choose, negotiate
from .pages_describe import PageBuilder, describe, describe_ontology
from .pages_home import home as home_model
from .pages_home import quality as quality_model
from .pages_i18n import COOKIE, LANGS, choose_lang, translate
from .pages_index import DCT, NK, RDFS, GraphIndex, get_index
from .pages_ontology import document as ontology_model
from .pages_search import MAX_QUERY_CHARS, MAX_WORDS, SearchIndex, query_words, snippet

bp = Blueprint("pages", __name__)

HTML = "text/html"
RDF_FORMATS = {  # suffix -> media type (the order is the server's preference after HTML)
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
SUFFIX_OF = {media: suffix for suffix, media in RDF_FORMATS.items()}
FORMAT_LABELS = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}
DOWNLOADS = {
    "ninek.ttl": "text/turtle",  # send_file adds "; charset=utf-8" to text types
    "ninek.nt": "application/n-triples",
    "ninek.jsonld": "application/ld+json",
    "ontology.ttl": "text/turtle",
    "ontology.nt": "application/n-triples",
}
OWL_VERSION_IRI = "http://www.w3.org/2002/07/owl#versionIRI"
_DOCUMENT = re.compile(r"^(?P<path>.+?)\.(?P<ext>html|ttl|jsonld|nt|rdf)$")


@bp.record_once
def _load_index(state) -> None:
    """Read the build's dumps once, when the application is made (before a server forks)."""
    app = state.app
    dist = Path(app.config.get("DIST") or paths.DIST_DIR).resolve()
    backend = app.extensions.get("ninek_backend")
    files = getattr(backend, "files", {})
    if files.get(DATA_GRAPH) == (dist / "ninek.nt").resolve():  # the embedded store has it
        index = GraphIndex.load(dist, store=backend.store, gate=backend.store_gate)
    else:
        index = GraphIndex.load(dist)
    app.extensions["ninek_pages_index"] = index
    app.extensions["ninek_pages_search"] = SearchIndex.build(index)
    # Every template (error pages, the endpoint's and the workbench's too) links through
    # u(path), so a server reached under a path prefix (public_base, or SCRIPT_NAME from a
    # proxy) keeps its links inside that prefix.
    app.add_template_global(local, "u")


# --- language, links -------------------------------------------------------------------------
def public_base() -> str:
    """The base URL canonical IRIs map to (see :mod:`.origin`: the ``public_base`` setting,
    a loopback request's root, or else the root path, so a forged Host is never written)."""
    return origin.public_base()


def href(iri: str) -> str | None:
    """Where ``iri`` is browsed: canonical IRIs on this server, other http(s) IRIs as they
    are, and anything else (``javascript:``, ``data:``, ``mailto:``...) nowhere: ``None``,
    which the templates show as text (see :mod:`.links`). A canonical IRI whose remainder
    is no path of ours (``https://w3id.org/ninek//evil.example``) is an http(s) IRI like any."""
    path = own_path(iri)
    if path is not None:
        return url(path)
    return iri if linkable(iri) else None


def local_href(iri: str) -> str | None:
    """Like :func:`href`, as a path on this server (see :func:`local`)."""
    path = own_path(iri)
    if path is not None:
        return local(path)
    return iri if linkable(iri) else None


def url(path: str) -> str:
    return public_base() + path.lstrip("/")


def local(path: str) -> str:
    """``path`` on this server as an absolute path under the public base's own path (or a
    proxy's SCRIPT_NAME): what the pages link to, load and post forms to, so that they stay
    under a path prefix and never name another host for their own scripts and styles."""
    return urlsplit(public_base()).path.rstrip("/") + "/" + path.lstrip("/")


@bp.app_context_processor
def _context() -> dict:
    lang = choose_lang()
    other = "en" if lang == "nb" else "nb"
    # The switch keeps the parameters that shape the page (a search's q, a canned query's
    # values), except on pages kept in the answer cache, whose key holds no query string:
    # there it would hand one client's ?utm=... (or worse) to everyone after it.
    args = {} if g.get("ninek_cached_page") else {
        k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = other
    from urllib.parse import urlencode

    return {
        "lang": lang,
        "t": lambda key: translate(key, lang),
        "u": local,
        "lang_switch": {"lang": other, "href": local(request.path) + "?" + urlencode(args),
                        "label": translate("other_lang", lang)},
    }


@bp.after_app_request
def _remember_language(response: Response) -> Response:
    wanted = request.args.get("lang")
    if wanted in LANGS and request.cookies.get(COOKIE) != wanted:
        response.set_cookie(COOKIE, wanted, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def builder() -> PageBuilder:
    return PageBuilder(get_index(), choose_lang(), href)


def _html_answer(key_parts: tuple, render) -> Response:
    """An HTML page with an ETag from the build, the language and the public base."""
    lang = choose_lang()
    key = answer_key("page", lang, public_base(), *key_parts)

    def compute() -> Answer:
        g.ninek_cached_page = True  # the page may embed nothing of the query string
        body, headers = render()
        return Answer(body.encode("utf-8"), "text/html; charset=utf-8", tuple(headers))

    response = cached_answer(key, compute)
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    return response


# --- home, search, quality, source ------------------------------------------------------------
@bp.get("/")
def home() -> Response:
    def render():
        model = home_model(builder())
        links = [(url("dataset"), "text/html")]
        return render_template("pages/home.html", m=model), [
            ("Link", f'<{links[0][0]}>; rel="describedby"; type="text/html"')]
    return _html_answer(("home",), render)


@bp.get("/search")
def search() -> Response:
    query = (request.args.get("q") or "").strip()
    media_type = negotiate(request.headers.get("Accept"), [HTML, "application/json"],
                           format_param=request.args.get("format"),
                           format_names={"html": HTML, "json": "application/json"})
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"The search text has {len(query):,} characters; at most "
                         f"{MAX_QUERY_CHARS} are accepted (and {MAX_WORDS} words searched).")
    words, ignored = query_words(query)
    notice = (f"Only the first {MAX_WORDS} words were searched; {ignored:,} more were left "
              "out." if ignored else "")
    hits, total = current_app.extensions["ninek_pages_search"].search(query) if query else ([],
                                                                                          0)
    b = builder()
    results_list = []
    for hit in hits:
        before, match, after = snippet(hit.field.text, hit.span)
        types = sorted(b.index.types(hit.document.iri), key=lambda t: (not t.startswith(NK), t))
        results_list.append({
            "iri": hit.document.iri, "href": href(hit.document.iri),
            "label": b.label(hit.document.iri),
            "type": b.ref(types[0])["label"] if types else hit.document.entity_kind,
            "types": types,
            "snippet": {"before": before, "match": match, "after": after},
            "score": hit.score,
        })
    if media_type == "application/json":
        data = {"query": query, "total": total, "results": results_list,
                "words_searched": len(words), "words_ignored": ignored}
        if notice:
            data["notice"] = notice
        response = current_app.response_class(current_app.json.dumps(data),
                                              content_type="application/json")
        response.headers["Vary"] = "Accept"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    body = render_template("pages/search.html", query=query, results=results_list, total=total,
                           ignored=ignored, max_words=MAX_WORDS)
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    response.headers["Link"] = (f'<{url("search")}?q={_quote(query)}&format=json>; '
                                'rel="alternate"; type="application/json"')
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@bp.get("/quality")
def quality() -> Response:
    def render():
        return render_template("pages/quality.html", m=quality_model(builder())), []
    return _html_answer(("quality",), render)


@bp.get("/source")
def source_document() -> Response:
    def render():
        b = builder()
        index = b.index
        text = paths.SOURCE_FILE.read_text(encoding="utf-8")
        lines = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line_iri = f"{BASE}source/line/{number}"
            derived = [s for s, p in index.incoming(line_iri)
                       if p == "http://purl.org/dc/terms/source"
                       and (index.is_a(s, "https://w3id.org/ninek/def#Project")
                            or index.is_a(s, "https://w3id.org/ninek/def#WorkArea"))]
            lines.append({"number": number, "text": raw,
                          "line": b.ref(line_iri) if index.has(line_iri) else None,
                          "entities": b.refs(derived)})
        return render_template("pages/source.html", lines=lines,
                               document=b.ref(BASE + "source/document")), []
    return _html_answer(("source",), render)


@bp.get("/download/<name>")
def download(name: str) -> Response:
    if name not in DOWNLOADS:
        raise NotFound(f"There is no download named {name!r}; the dumps are "
                       + ", ".join(f"/download/{n}" for n in DOWNLOADS) + ".")
    dist = get_index().dist or paths.DIST_DIR
    path = Path(dist) / name
    if not path.exists():
        raise NotFound(f"{name} has not been built; run `ninek-graph build`.")
    key = answer_key("download", name)
    cached = not_modified(key)
    if cached is not None:
        return cached
    response = send_file(path, mimetype=DOWNLOADS[name], etag=False, conditional=False,
                         max_age=300)
    response.set_etag(key)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- dereferencing ------------------------------------------------------------------------------
@bp.get("/<path:path>")
def dereference(path: str) -> Response:
    match = _DOCUMENT.match(path)
    thing, ext = (match.group("path"), match.group("ext")) if match else (path, None)
    if thing == "def" or thing == _ontology_version_path():
        return _ontology(ext)
    if BASE + thing == DATA_GRAPH:
        return _data_graph(ext)
    iri = BASE + thing
    index = get_index()
    if not index.has(iri):
        return _not_found(thing)
    if ext is None:
        return _see_other(thing)
    if ext == "html":
        return _entity_html(iri, thing)
    return _entity_rdf(iri, RDF_FORMATS[ext], lambda: describe(iri))


def _see_other(thing: str) -> Response:
    """Section 4.3 of Cool URIs: 303 to the document in the format the client prefers."""
    offered = [HTML] + list(RDF_FORMATS.values())
    chosen = _chosen_or_406(thing, offered, "; or ask for one of " + ", ".join(
        f"/{thing}.{s}" for s in ["html", *RDF_FORMATS]) + " directly")
    suffix = "html" if chosen == HTML else SUFFIX_OF[chosen]
    return _negotiated_redirect(url(f"{thing}.{suffix}"))


def _chosen_or_406(thing: str, offered: list[str], hint: str = "") -> str:
    chosen = choose(request.headers.get("Accept"), offered)
    if chosen is None:
        raise NotAcceptable(
            f"None of the media types in the Accept header ({request.headers.get('Accept')}) "
            f"is offered for /{thing}. Offered: {', '.join(offered)}{hint}.")
    return chosen


def _negotiated_redirect(target: str) -> Response:
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _alternates(thing: str) -> list[tuple[str, str, str]]:
    return [(url(f"{thing}.{suffix}"), media, FORMAT_LABELS[suffix])
            for suffix, media in RDF_FORMATS.items()]


def _link_header(thing: str, canonical: str) -> str:
    parts = [f'<{u}>; rel="alternate"; type="{media}"' for u, media, _ in _alternates(thing)]
    parts.append(f'<{canonical}>; rel="canonical"')
    return ", ".join(parts)


def _entity_html(iri: str, thing: str) -> Response:
    def render():
        b = builder()
        outcome = describe(iri)
        outgoing, incoming = b.statements(iri, outcome.triples)
        kind, sections = b.sections(iri)
        index = b.index
        types = [b.ref(t) for t in sorted(index.types(iri),
                                          key=lambda t: (not t.startswith(NK), t))]
        title = b.label(iri)
        manifest = index.manifest
        dataset_title = index.label(BASE + "dataset", b.lang)
        body = render_template(
            "pages/entity.html", iri=iri, title=title, types=types, kind=kind, s=sections,
            outgoing=outgoing, incoming=incoming, truncated=outcome.truncated,
            sources=b.source_rows(iri), alternates=_alternates(thing),
            description=index.text(iri, DCT + "description", b.lang)
            or index.text(iri, RDFS + "comment", b.lang) or "",
            cite={"title": title, "dataset": dataset_title, "iri": iri,
                  "build": manifest.get("build_id", ""),
                  "modified": index.text(BASE + "dataset", DCT + "modified") or ""},
        )
        return body, [("Link", _link_header(thing, iri))]
    return _html_answer(("entity", iri), render)


def _entity_rdf(iri: str, media_type: str, describer) -> Response:
    key = answer_key("entity-rdf", iri, media_type)

    def compute() -> Answer:
        outcome = describer()
        body = results.serialize_triples(outcome.triples, media_type, prefixes=PREFIXES)
        fmt = next(f for f in results.FORMATS["graph"] if f.media_type == media_type)
        headers = [("Access-Control-Allow-Origin", "*"), ("Link", f'<{iri}>; rel="describes"')]
        if outcome.truncated:
            headers.append(("X-Ninek-Truncated", "true"))
        return Answer(body, fmt.content_type, tuple(headers))

    return cached_answer(key, compute)


def _ontology(ext: str | None) -> Response:
    iri = "https://w3id.org/ninek/def"
    if ext is None:
        return _see_other("def")
    if ext != "html":
        return _entity_rdf(iri, RDF_FORMATS[ext], describe_ontology)

    def render():
        model = ontology_model(builder())
        body = render_template("pages/ontology.html", m=model, alternates=_alternates("def"),
                               iri=iri)
        return body, [("Link", _link_header("def", iri))]
    return _html_answer(("ontology",), render)


def _ontology_version_path() -> str | None:
    """``def/0.1.0``: the path of the ontology's owl:versionIRI, which names the version
    this server publishes (the same document as ``/def``)."""
    for predicate, term in get_index().ontology.get(BASE + "def", ()):
        if predicate == OWL_VERSION_IRI and term.value.startswith(BASE):
            return term.value[len(BASE):]
    return None


# The published data graph (the named graph SPARQL's GRAPH and FROM see) is the data dump.
GRAPH_DUMPS = {"text/turtle": "ninek.ttl", "application/n-triples": "ninek.nt",
               "application/ld+json": "ninek.jsonld"}


def _data_graph(ext: str | None) -> Response:
    """The IRI of the published data graph: its content is the data dump; a browser is sent
    to the dataset's page, which describes it and links every download."""
    if ext is None:
        chosen = _chosen_or_406("graph", [HTML, *GRAPH_DUMPS])
        return _negotiated_redirect(url("dataset.html") if chosen == HTML else url(
            "download/" + GRAPH_DUMPS[chosen]))
    if ext == "html":
        return redirect(url("dataset.html"), code=303)
    name = {SUFFIX_OF[media]: dump for media, dump in GRAPH_DUMPS.items()}.get(ext)
    if name is None:
        raise NotFound("The data graph is published as Turtle, N-Triples and JSON-LD: "
                       + ", ".join(f"/graph.{SUFFIX_OF[m]}" for m in GRAPH_DUMPS) + ".")
    return download(name)


def _not_found(thing: str) -> Response:
    words = " ".join(w for w in re.split(r"[/\-_.#]+", thing) if w and not w.isdigit())
    last = thing.rstrip("/").rsplit("/", 1)[-1]
    guess = " ".join(w for w in re.split(r"[\-_.]+", last) if w) or words
    hits, _ = current_app.extensions["ninek_pages_search"].search(guess, limit=8)
    if not hits and guess != words:
        hits, _ = current_app.extensions["ninek_pages_search"].search(words, limit=8)
    lang = choose_lang()
    suggestions = [{"href": href(h.document.iri),
                    "label": h.document.titles.get(lang) or h.document.titles["nb"],
                    "iri": h.document.iri} for h in hits]
    accept = request.headers.get("Accept") or ""
    if "text/html" in accept or not accept:
        body = render_template("pages/not_found.html", path="/" + thing, guess=guess,
                               suggestions=suggestions)
        response = Response(body, status=404, content_type="text/html; charset=utf-8")
    else:
        lines = [f"404 Not Found: no resource in the graph is {BASE}{thing}.",
                 f"Search: {url('search')}?q={_quote(guess)}"]
        lines += [f"Perhaps: {s['href']}" for s in suggestions]
        response = Response("\n".join(lines) + "\n", status=404,
                            content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
