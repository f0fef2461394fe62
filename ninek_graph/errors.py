"""Errors as answers a user can act on: the right status, a sentence, never a traceback.

:class:`~ninek_graph.backend.QueryError` subclasses carry their HTTP status (400 syntax or
refused, 403 update, 404 unknown canned query, 406 not acceptable, 503 timeout, 502 remote
store down). Werkzeug's HTTP errors (404, 405, 413, 415...) get the same treatment. The body
is HTML for a browser and plain text for everything else, which is what SPARQL clients
print. Every refusal, time-out and crash is also logged, one line each (:mod:`.security_log`);
a client that left before its answer was made gets nothing (:mod:`.client`).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES

from . import security_log
from .backend import QueryError, QuerySyntaxError, QueryTimeout
from .client import ClientGone
from .negotiation import choose

log = logging.getLogger(__name__)


def wants_html() -> bool:
    return choose(request.headers.get("Accept"), ["text/plain", "text/html"]) == "text/html" and (
        "text/html" in (request.headers.get("Accept") or "")
    )


def error_response(status: int, title: str, message: str, *, event: str | None = None,
                   reason: str | None = None) -> Response:
    """The error answer every handler gives; refusals, time-outs and crashes are logged
    (one line each, :mod:`.security_log`) here, where every one of them passes."""
    security_log.record(status, reason or message, event=event)
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
    message = error.message
    if isinstance(error, QuerySyntaxError) and error.line is not None:
        where = f"line {error.line}" + (f", column {error.column}" if error.column else "")
        if where not in message:
            message = f"Syntax error at {where}: {message}"
    response = error_response(error.status, status_title(error.status), message,
                              event="timeout" if isinstance(error, QueryTimeout) else None)
    if isinstance(error, QueryTimeout):
        response.headers["Retry-After"] = "60"
    return response


def status_title(status: int) -> str:
    """The reason phrase of ``status`` (RFC 9110's, as Werkzeug lists them: 415 is
    "Unsupported Media Type"), so that no error page is titled a bare "Error"."""
    return TITLES.get(status) or HTTP_STATUS_CODES.get(status) or "Error"


#: Where our wording differs from Werkzeug's list (RFC 9110 renamed 413).
TITLES = {413: "Content Too Large"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def on_query_error(error: QueryError):
        return query_error_response(error)

    @app.errorhandler(ClientGone)
    def on_client_gone(error: ClientGone):
        security_log.record(499, "the client closed its connection before its answer was "
                            "made; nothing was rendered", event="client_gone")
        return Response(status=499)  # nginx's "client closed request": nobody reads it

    @app.errorhandler(RequestEntityTooLarge)
    def on_too_large(error: RequestEntityTooLarge):
        return error_response(413, "Content Too Large", too_large_message())

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
            reason=f"unexpected {type(error).__name__}",
        )


def too_large_message() -> str:
    """What a 413 says: the body's size if the client declared it, and the limit."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    length = request.content_length
    size = (f"has {length:,} bytes" if length is not None
            else "is larger than that (it came in chunks)")
    return (f"The request body {size}; this server accepts at most {limit:,} bytes "
            f"({limit // 1024:,} KiB, the max_request_kib setting). Send a shorter query, or "
            "ask the server's operator to raise the limit.")
