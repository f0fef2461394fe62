"""The web application: ``create_app(config)`` wires settings, the store and blueprints.

One blueprint per concern (:mod:`.sparql_view` the SPARQL 1.1 endpoint, :mod:`.queries_view`
the canned queries). The store back-end is made once per application, before a server forks
its workers, and answers depend only on the build, so every response carries an ETag derived
from the build and a client's conditional request is answered with 304. Every response gets
the security headers of :mod:`.page_headers`; request bodies are capped by ``max_request_kib``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import origin, page_headers, security_log
from . import settings as settings_module
from .answers import AnswerCache
from .errors import register_error_handlers
from .paths import DIST_DIR, WEB_DIR
from .response_cache import ResponseCache


def create_app(config: dict[str, Any] | None = None, *, backend=None) -> Flask:
    """Create the application. ``config`` overrides the declared settings (see
    :mod:`.settings`); ``backend`` replaces the store made from them (tests pass one)."""
    app = Flask(
        __name__,
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
        static_url_path="/static",
    )
    app.config.from_mapping({k.upper(): v for k, v in settings_module.defaults().items()})
    app.config.update({k.upper(): v for k, v in (config or {}).items()})
    app.config["DIST"] = str(app.config.get("DIST") or DIST_DIR)
    # Flask refuses a longer body with 413 as it reads it (the HTTP front refuses it before,
    # from its Content-Length; this holds for any server the app runs in).
    app.config["MAX_CONTENT_LENGTH"] = int(app.config.get("MAX_REQUEST_KIB") or 1024) * 1024
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    security_log.install()
    origin.warn_if_unset(app.config)

    if backend is None:
        from .stores import make_backend

        backend = make_backend(app.config)
    app.extensions["ninek_backend"] = backend
    cache_bytes = int(app.config["CACHE_MIB"]) << 20
    app.extensions["ninek_cache"] = AnswerCache(app.config["CACHE_ENTRIES"], cache_bytes)
    app.extensions["ninek_build"] = _build_tag(backend, app.config["DIST"])

    from . import pages_view, queries_view, reconcile_view, sparql_view, workbench_view

    # Registered first, so it runs after every other after-request function (Flask runs
    # them in reverse), the language cookie's among them.
    app.after_request(_private_if_cookie)

    # One blueprint per concern; each line registers one.
    app.register_blueprint(sparql_view.bp)
    app.register_blueprint(queries_view.bp)
    app.register_blueprint(pages_view.bp)
    app.register_blueprint(workbench_view.bp)
    app.register_blueprint(reconcile_view.bp)
    register_error_handlers(app)

    @app.get("/health")
    def health():
        return {"status": "ok", "build": app.extensions["ninek_build"]}

    app.add_template_global(page_headers.csp_nonce, "csp_nonce")
    app.after_request(page_headers.apply)

    app.wsgi_app = ResponseCache(  # type: ignore[method-assign]
        app.wsgi_app, app.config["CACHE_ENTRIES"], cache_bytes)

    return app


def _private_if_cookie(response):
    """A response that sets a cookie is for its one client: never ``public`` (a shared cache
    would hand one client's cookie to the next, RFC 9111 section 7.3), so ``no-store``; the
    whole-response cache does not keep it either (:mod:`.response_cache`)."""
    if "Set-Cookie" in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _build_tag(backend, dist: str) -> str:
    from pathlib import Path

    from .build import read_manifest

    manifest = read_manifest(Path(dist))
    build_id = manifest["build_id"] if manifest else "unbuilt"
    return f"{build_id}-{getattr(backend, 'name', 'store')}"
