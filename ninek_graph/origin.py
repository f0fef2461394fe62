"""Where this server is reached: the base of every absolute URL it writes.

Links, redirects (``303`` Location), ``Link`` headers, the reconciliation manifest and the
service description name this server. The ``public_base`` setting says where that is; it is
the only source a deployment should rely on. Without it, the request's ``Host`` header is the
only clue, and Host is whatever the client sent: reflected into a Location or a Link header
it lets anyone who can put a response into a shared cache (or a log, or a page) point other
people at a host of their choosing. So, without ``public_base``:

* a request to a loopback host (``127.0.0.1``, ``::1``, ``localhost``: a developer's own
  machine, where nobody else's Host can arrive) gets absolute URLs on that host;
* any other request gets absolute *paths* (``/project/geodata.html``, under the proxy's
  ``SCRIPT_NAME``): a relative Location is valid HTTP (RFC 9110, section 10.2.2) and a
  browser or RDF client resolves it against the URL it asked for, so nothing breaks, and
  nothing of the forged Host is written anywhere.

``X-Forwarded-Host`` and ``Forwarded`` are never read (no proxy is trusted by default); a
deployment behind a proxy sets ``public_base`` instead, and :func:`warn_if_unset` says so
when the application is made.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any

from flask import current_app, request

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost"})
_HOST = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::[0-9]{1,5})?$")


def is_loopback_host(host: str) -> bool:
    """Whether a Host header value names this machine's loopback interface (and nothing
    else: no user part, path or odd character that a URL parser could read differently)."""
    match = _HOST.match(host or "")
    if match is None:
        return False
    name = (match.group("v6") or match.group("name") or "").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def public_base() -> str:
    """The base URL (ending in ``/``) absolute links start with: the ``public_base``
    setting; else the request's root when it came to a loopback host; else the request's
    root *path* (``/`` or the proxy's ``SCRIPT_NAME``), which makes every link relative."""
    configured = current_app.config.get("PUBLIC_BASE") or ""
    if configured:
        return configured.rstrip("/") + "/"
    if is_loopback_host(request.host):
        return request.url_root.rstrip("/") + "/"
    return request.script_root.rstrip("/") + "/"


def warn_if_unset(config: dict[str, Any]) -> None:
    """Deployment advice, logged once when the application is made without public_base."""
    if not config.get("PUBLIC_BASE"):
        log.warning(
            "public_base is not set: links and redirects are absolute only for requests to "
            "a loopback host (127.0.0.1, ::1, localhost) and relative paths otherwise. "
            "Behind a proxy or on a public name, set NINEK_PUBLIC_BASE to the URL people "
            "use (e.g. https://example.org/ninek/).")
