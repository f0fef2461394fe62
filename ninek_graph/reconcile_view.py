"""The W3C Entity Reconciliation Service API, version 0.2, at ``/reconcile``.

Spec: https://reconciliation-api.github.io/specs/0.2/ . ``GET /reconcile`` without
parameters is the service manifest ("Service Manifest"); a batch of queries comes as the
form field ``queries`` of a POST or the ``queries`` parameter of a GET ("Sending
Reconciliation Queries to a Service"). ``/reconcile/preview?id=`` is the preview card
("Preview Service"); ``/reconcile/suggest/{entity,type,property}?prefix=`` the suggest
services ("Suggest Services"). Every answer allows any origin ("Cross-Origin Access").
Data extension and JSONP, both optional, are not offered.

Entity ids are IRIs without the identifier space (``municipality/tonsberg`` for
https://w3id.org/ninek/municipality/tonsberg), so the view template maps each to its page
on this server (``/municipality/tonsberg``). The index is read from the build's N-Triples
dump once, when the blueprint is registered (see :mod:`.reconcile_index`); the dump is
``dist/ninek.nt`` unless ``create_app(config={"dist": ...})`` names another directory.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from . import __version__, page_headers, security_log
from .origin import public_base
from .paths import DIST_DIR
from .reconcile import (
    BASE,
    DEFAULT_LIMIT,
    DEFAULT_TYPES,
    MAX_BATCH,
    MAX_LIMIT,
    MAX_TEXT,
    NK,
    PROPERTIES,
    TYPE_ALIASES,
    TYPE_BY_ID,
    TYPES,
    ReconcileInputError,
    suggest_named,
)
from .reconcile_batch import checked_integer, parse_batch
from .reconcile_index import ReconcileIndex

log = logging.getLogger(__name__)
bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")
EXTENSION = "ninek_reconcile"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PREVIEW_SIZE = (400, 200)
_DIGITS = re.compile(r"[0-9]+")


@bp.record
def build_index(state) -> None:
    """Read the index once per application, before any request (and any worker fork)."""
    app = state.app
    if EXTENSION in app.extensions:
        return
    dump = Path(app.config.get("DIST") or DIST_DIR) / "ninek.nt"
    if not dump.exists():
        log.warning("%s does not exist: /reconcile answers 503 until the graph is built", dump)
        app.extensions[EXTENSION] = None
        return
    pages = app.extensions.get("ninek_pages_index")  # holds this dump in a store already
    if pages is not None:
        app.extensions[EXTENSION] = ReconcileIndex.from_store(pages.store, gate=pages.gate)
    else:
        app.extensions[EXTENSION] = ReconcileIndex.from_ntriples(dump)


def _index() -> ReconcileIndex:
    index = current_app.extensions.get(EXTENSION)
    if index is None:
        raise ReconcileInputError(
            "The reconciliation index is not available: the graph has not been built on this "
            "server (run `ninek-graph build`, then restart it).", status=503)
    return index


@bp.after_request
def cors(response: Response) -> Response:
    """Section "Cross-Origin Access": CORS on every endpoint, uniformly."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    return response


@bp.errorhandler(ReconcileInputError)
def on_input_error(error: ReconcileInputError):
    from .errors import status_title

    security_log.record(error.status, error.message)
    response = jsonify(status=error.status, error=status_title(error.status),
                       message=error.message)
    response.status_code = error.status
    response.headers["Cache-Control"] = "no-store"
    return response


def _single(params, name: str, *, required: bool = False) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise ReconcileInputError(f"Parameter `{name}` is given {len(values)} times; give it "
                                  "once.")
    if not values:
        if required:
            raise ReconcileInputError(f"Parameter `{name}` is required.")
        return None
    if len(values[0]) > MAX_TEXT and name != "queries":
        raise ReconcileInputError(f"Parameter `{name}` has {len(values[0]):,} characters; at "
                                  f"most {MAX_TEXT} are accepted.")
    return values[0]


def _base() -> str:
    """Where this server is reached (:func:`.origin.public_base`: the ``public_base``
    setting, a loopback request's root, or else a root-relative path)."""
    return public_base()


@bp.route("", methods=["GET", "POST"])
def service():
    if request.method == "POST":
        if request.mimetype not in FORM_TYPES:
            raise ReconcileInputError(
                "POST the batch as a form (Content-Type application/x-www-form-urlencoded) "
                f"with a field `queries`; got Content-Type {request.mimetype or 'none'!r}.",
                status=415)
        text = _single(request.form, "queries")
        if text is None:
            raise ReconcileInputError(
                "The form has no field `queries`: send the batch as queries=<JSON object>.")
        return _answer(text)
    if not request.args:
        return jsonify(manifest())
    text = _single(request.args, "queries")
    if text is None:
        raise ReconcileInputError(
            f"Unexpected parameter(s) {', '.join(sorted(request.args))}: GET /reconcile "
            "without parameters is the service manifest; a batch is GET "
            "/reconcile?queries=<JSON object>.")
    return _answer(text)


def _answer(text: str) -> Response:
    batch = parse_batch(text)
    return jsonify(_index().reconcile_batch(batch))


def manifest() -> dict:
    """Section "Service Manifest"; URLs point at this server."""
    base = _base()
    service_url = base + "reconcile"
    return {
        "versions": ["0.2"],
        "name": "ninek-graph: 9-kommunesamarbeidet i Vestfold 1998-2005",
        "identifierSpace": BASE,
        "schemaSpace": NK,
        "serviceVersion": __version__,
        "defaultTypes": [{"id": t, "name": TYPE_BY_ID[t].name} for t in DEFAULT_TYPES],
        "view": {"url": base + "{{id}}"},
        "preview": {"url": service_url + "/preview?id={{id}}",
                    "width": PREVIEW_SIZE[0], "height": PREVIEW_SIZE[1]},
        "suggest": {
            kind: {"service_url": service_url, "service_path": f"/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "batchSize": MAX_BATCH,
    }


@bp.get("/preview")
def preview() -> Response:
    """Section "Preview Service": a small HTML card (everything escaped by Jinja)."""
    identifier = _single(request.args, "id", required=True) or ""
    entity = _index().lookup(identifier)
    status = 200 if entity is not None else 404
    body = render_template(
        "reconcile/preview.html", entity=entity, identifier=identifier,
        type_name=TYPE_BY_ID[entity.type].name if entity else "",
        view_url=_base() + entity.id if entity else "",
    )
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    return page_headers.preview(response)  # framed by OpenRefine: no frame-ancestors rule


def _paging() -> tuple[str, int, int]:
    prefix = _single(request.args, "prefix", required=True) or ""
    numbers = {}
    for name, default, top in (("cursor", 0, None), ("limit", DEFAULT_LIMIT, MAX_LIMIT)):
        raw = _single(request.args, name)
        if raw is None:
            numbers[name] = default
            continue
        digits = raw.strip()
        if not _DIGITS.fullmatch(digits):  # ASCII only: str.isdigit() takes "²", int() not
            raise ReconcileInputError(f"Parameter `{name}` must be a non-negative integer "
                                      f"(digits 0-9), not {raw[:40]!r}.")
        number = checked_integer(digits, f"Parameter `{name}`")
        numbers[name] = number if top is None else min(number, top)
    return prefix, numbers["cursor"], max(numbers["limit"], 1)


@bp.get("/suggest/entity")
def suggest_entity():
    prefix, cursor, limit = _paging()
    wanted = _single(request.args, "type")
    type_id = None
    if wanted:
        type_id = TYPE_ALIASES.get(wanted)
        if type_id is None:
            return jsonify(result=[])
    return jsonify(result=_index().suggest(prefix, type_id=type_id, cursor=cursor,
                                           limit=limit))


@bp.get("/suggest/type")
def suggest_type():
    prefix, cursor, limit = _paging()
    return jsonify(result=suggest_named(TYPES, prefix, cursor, limit))


@bp.get("/suggest/property")
def suggest_property():
    prefix, cursor, limit = _paging()
    return jsonify(result=suggest_named(PROPERTIES, prefix, cursor, limit))
