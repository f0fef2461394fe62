"""Errors as answers a user can act on: the right status, a sentence, never a traceback.

:class:`~ninek_graph.backend.QueryError` subclasses carry their HTTP status (400 syntax or
refused, 403 update, 404 unknown canned query, 406 not acceptable, 503 timeout, 502 remote
store down). Werkzeug's HTTP errors (404, 405, 413, 415...) get the same treatment. The body
is HTML for a browser and plain text for everything else, which is what SPARQL clients
print.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from .backend import QueryError, QuerySyntaxError, QueryTimeout
from .negotiation import choose

log = logging.getLogger(__name__)


def wants_html() -> bool:
    return choose(request.headers.get("Accept"), ["text/plain", "text/html"]) == "text/html" and (
        "text/html" in (request.headers.get("Accept") or "")
    )


def error_response(status: int, title: str, message: str) -> Response:
    if wants_html():
        body = render_template("errors/error.html", status=status, title=title, message=message)
        response = Response(body, status=status, content_type="text/html; charset=utf-8")
    else:
        response = Response(
            f"{status} {title}\n\n{message}\n", status=status,
            content_type="text/plain; charset=utf-8",
        )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def query_error_response(error: QueryError) -> Response:
    titles = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 406: "Not Acceptable",
              502: "Bad Gateway", 503: "Service Unavailable"}
    message = error.message
    if isinstance(error, QuerySyntaxError) and error.line is not None:
        where = f"line {error.line}" + (f", column {error.column}" if error.column else "")
        if where not in message:
            message = f"Syntax error at {where}: {message}"
    response = error_response(error.status, titles.get(error.status, "Error"), message)
    if isinstance(error, QueryTimeout):
        response.headers["Retry-After"] = "60"
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def on_query_error(error: QueryError):
        return query_error_response(error)

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException):
        response = error_response(error.code or 500, error.name, error.description or "")
        if error.code == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response

    @app.errorhandler(UnicodeDecodeError)
    def on_bad_encoding(error: UnicodeDecodeError):
        return error_response(400, "Bad Request", "The request is not valid UTF-8.")

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(
            500, "Internal Server Error",
            "Something went wrong on our side; the error has been logged. Please report it.",
        )
