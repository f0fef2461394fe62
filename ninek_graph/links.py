"""Which IRIs from the data may become links on a page.

An IRI in an answer or in the graph is data: ``javascript:alert(1)`` is as valid an IRI as
``https://www.wikidata.org/entity/Q1``, and a query can bind either (``BIND(<javascript:...>
AS ?x)``). Jinja escapes it for the attribute, but a browser still runs a ``javascript:``
(or ``vbscript:``, or ``data:`` text/html) link when clicked. So a page links an IRI only
when it is an http(s) URL or a path on this server (canonical ``https://w3id.org/ninek/``
IRIs are mapped to one, see :mod:`.pages_view`); anything else (other schemes: ``mailto:``,
``urn:``, ``file:``...) is shown as text. The browser-side tables follow the same rule
(``web/static/js/results.js``, ``localHref``).
"""

from __future__ import annotations

import re

_HTTP = re.compile(r"^https?://[^\s\x00-\x1f\x7f]+$", re.IGNORECASE)


def linkable(iri: str) -> bool:
    """True for an absolute http(s) URL with no whitespace or control character."""
    return bool(_HTTP.match(iri))
