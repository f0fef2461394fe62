"""Security headers: a strict Content-Security-Policy on every page, and the usual companions.

Every page is made of this server's own files (no CDN, no inline script, no inline style),
so its policy can forbid everything else:

``default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src
'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'``

Should markup ever slip into a page, no script of its own runs, no ``<base>`` moves the
links, no form posts elsewhere and no other site frames the page (``X-Frame-Options: DENY``
says the same to older browsers). The query workbench's editor (CodeMirror 6) writes its
styles into a ``<style>`` element; the workbench asks for a nonce (:func:`csp_nonce`, a
template global) that admits exactly that element, is new on every response, and marks the
response ``no-store`` so that no cache hands the same nonce to two pages.

The reconciliation preview (``/reconcile/preview``) is made to be shown in an iframe by
OpenRefine (W3C Reconciliation API, "Preview Service"), so it may be framed; it runs nothing
(``default-src 'none'``) and loads only its stylesheet.

Every response also says ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
strict-origin-when-cross-origin`` (a link out to Wikidata tells it the site, not the page or
the query in its URL).
"""

from __future__ import annotations

import secrets

from flask import Response, g

PAGE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
PREVIEW_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; " \
                 "form-action 'none'"
REFERRER_POLICY = "strict-origin-when-cross-origin"


def csp_nonce() -> str:
    """This response's style nonce (made on first use; see the module's docstring)."""
    nonce = g.get("ninek_csp_nonce")
    if nonce is None:
        nonce = g.ninek_csp_nonce = secrets.token_urlsafe(18)
    return nonce


def page_policy(nonce: str | None = None) -> str:
    policy = dict(PAGE_POLICY)
    if nonce:
        policy["style-src"] += f" 'nonce-{nonce}'"
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def preview(response: Response) -> Response:
    """Mark ``response`` as the framable, script-free reconciliation preview."""
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    g.ninek_framable = True
    return response


def apply(response: Response) -> Response:
    """The headers every response carries, and the page policy on HTML."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if response.mimetype != "text/html" or g.get("ninek_framable"):
        return response
    nonce = g.get("ninek_csp_nonce")
    headers["Content-Security-Policy"] = page_policy(nonce)
    headers["X-Frame-Options"] = "DENY"
    if nonce:
        headers["Cache-Control"] = "no-store"
        headers.pop("ETag", None)
    return response
