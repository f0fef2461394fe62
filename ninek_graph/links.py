"""Which IRIs from the data may become links on a page, and which are our own paths.

An IRI in an answer or in the graph is data: ``javascript:alert(1)`` is as valid an IRI as
``https://www.wikidata.org/entity/Q1``, and a query can bind either (``BIND(<javascript:...>
AS ?x)``). Jinja escapes it for the attribute, but a browser still runs a ``javascript:``
(or ``vbscript:``, or ``data:`` text/html) link when clicked. So a page links an IRI only
when it is an http(s) URL or a path on this server; anything else (other schemes:
``mailto:``, ``urn:``, ``file:``...) is shown as text.

A canonical IRI (under ``https://w3id.org/ninek/``) becomes a path on this server only when
its remainder is a path of our own (:func:`own_path`): ``https://w3id.org/ninek//evil.example/x``
is under the base too, but ``/`` + ``/evil.example/x`` is a protocol-relative URL, which a
browser follows to another site; so is ``/\\evil.example`` (a backslash counts as a slash in
http URLs) and ``/\\t/evil.example`` (tabs and newlines are dropped from URLs). Such an IRI
is linked as the full https IRI it is, marked external. The browser-side tables follow the
same rules (``web/static/js/results.js``, ``ownPath`` and ``localHref``).
"""

from __future__ import annotations

import re

from .namespaces import BASE

_HTTP = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
#: A remainder that is a relative path: not starting with a slash or backslash, no scheme
#: before its first slash, no backslash, whitespace or control character anywhere.
_OWN_PATH = re.compile(r"(?![/\\])(?![A-Za-z][A-Za-z0-9+.-]*:)[^\\\s\x00-\x1f\x7f]*")


def linkable(iri: str) -> bool:
    """True for an absolute http(s) URL with no whitespace or control character."""
    return bool(_HTTP.fullmatch(iri))


def own_path(iri: str) -> str | None:
    """The path of a canonical IRI relative to the base (``project/geodata``), or None for an
    IRI not under the base or whose remainder could leave this site once put after a slash."""
    if not iri.startswith(BASE):
        return None
    rest = iri[len(BASE):]
    return rest if _OWN_PATH.fullmatch(rest) else None
