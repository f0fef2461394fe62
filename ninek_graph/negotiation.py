"""HTTP content negotiation for the endpoint's answers (RFC 9110, section 12.5.1).

:func:`choose` picks, among the media types the server offers (in its order of preference),
the one the ``Accept`` header rates highest. A media range's quality applies through its most
specific match (``type/subtype`` over ``type/*`` over ``*/*``); ``q=0`` excludes. Among equally
rated types, the one the client named more specifically wins, then the server's order. A
malformed header or element is tolerated: bad elements are skipped and a header with nothing
usable counts as absent (``*/*``), so a sloppy client gets the default instead of an error.

Deliberate decisions, documented here because they decide what people see:

* A browser's page load sends ``text/html,application/xhtml+xml,application/xml;q=0.9,
  */*;q=0.8``. ``application/xml`` is not read as a request for SPARQL XML or RDF/XML results:
  it is a generic XML document type, and browsers list it for every page. When the caller can
  offer ``text/html`` (pass it among ``offered``, anywhere), the browser gets HTML because it
  names ``text/html`` explicitly at q=1. When HTML is not offered, ``*/*;q=0.8`` gives the
  server's default (JSON for query results, which browsers display readably).
* ``*/*`` alone (curl, wget, most libraries) gets the server's default, never HTML, as long as
  the caller lists ``text/html`` after the machine formats.
* The ``format`` parameter (:func:`negotiate`) overrides Accept: it is what people type in a
  URL and what SPARQLWrapper sends next to its Accept header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ninek_graph.backend import QueryError

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_RANGE = re.compile(rf"^\s*({_TOKEN})/({_TOKEN})\s*$")
_PARAMETER = re.compile(rf'^\s*({_TOKEN})\s*=\s*({_TOKEN}|"(?:[^"\\]|\\.)*")\s*$')
_QVALUE = re.compile(r"^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$")


class NotAcceptable(QueryError):
    """No offered media type is acceptable to the client (HTTP 406)."""

    status = 406


class UnknownFormat(QueryError):
    """The ``format`` parameter names no format offered for this answer (HTTP 400)."""

    status = 400


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float

    @property
    def specificity(self) -> int:
        """3 for ``type/subtype``, 2 for ``type/*``, 1 for ``*/*``; parameters add one."""
        if self.type == "*":
            return 1
        if self.subtype == "*":
            return 2
        return 3 + (1 if self.params else 0)

    def matches(self, media_type: str) -> bool:
        kind, _, rest = media_type.partition("/")
        subtype, *param_text = rest.split(";")
        if self.type != "*" and self.type != kind.strip().lower():
            return False
        if self.subtype != "*" and self.subtype != subtype.strip().lower():
            return False
        offered = dict(_parse_params(param_text) or ())
        return all(offered.get(k) == v for k, v in self.params)


def _parse_params(parts: Sequence[str]) -> list[tuple[str, str]] | None:
    """Parameters as (lower-cased name, unquoted value); ``None`` if one is malformed."""
    out = []
    for part in parts:
        if not part.strip():
            continue
        match = _PARAMETER.match(part)
        if match is None:
            return None
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((match.group(1).lower(), value))
    return out


def parse_accept(header: str | None) -> list[MediaRange]:
    """The usable media ranges of an Accept header, malformed elements skipped. An absent,
    empty or wholly unusable header means ``*/*`` (RFC 9110, section 12.5.1)."""
    ranges: list[MediaRange] = []
    for element in (header or "").split(","):
        head, *param_text = element.split(";")
        match = _MEDIA_RANGE.match(head)
        params = _parse_params(param_text)
        if match is None or params is None:
            continue
        kind, subtype = match.group(1).lower(), match.group(2).lower()
        if kind == "*" and subtype != "*":
            continue
        q, valid = 1.0, True
        media_params: list[tuple[str, str]] = []
        for name, value in params:
            if name == "q":
                valid = bool(_QVALUE.match(value))  # a malformed weight: skip, do not guess
                q = float(value) if valid else 0.0
                break  # what follows q are accept-extensions
            if name != "charset":  # we always send UTF-8, so charset never excludes a type
                media_params.append((name, value))
        if valid:
            ranges.append(MediaRange(kind, subtype, tuple(media_params), q))
    return ranges or [MediaRange("*", "*", (), 1.0)]


def quality(ranges: Sequence[MediaRange], media_type: str) -> tuple[float, int]:
    """(q, specificity) of ``media_type`` under its most specific matching range; (0, 0)
    when nothing matches."""
    best: MediaRange | None = None
    for media_range in ranges:
        if media_range.matches(media_type) and (
            best is None or media_range.specificity > best.specificity
        ):
            best = media_range
    return (best.q, best.specificity) if best is not None else (0.0, 0)


def choose(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers, or ``None`` if it accepts none of them.

    ``offered`` is in the server's order of preference; it breaks ties after specificity.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for position, media_type in enumerate(offered):
        q, specificity = quality(ranges, media_type)
        if q <= 0:
            continue
        key = (q, specificity, -position)
        if best is None or key > best:
            best, chosen = key, media_type
    return chosen


def negotiate(accept: str | None, offered: Sequence[str], *,
              format_param: str | None = None,
              format_names: Mapping[str, str] | None = None) -> str:
    """The media type to answer with: ``format_param`` (a short name from ``format_names``
    or one of the offered media types) wins over ``accept``.

    Raises :class:`UnknownFormat` (400) for a ``format`` value that names nothing offered,
    and :class:`NotAcceptable` (406) when Accept excludes every offered type; both messages
    list what is valid.
    """
    names = dict(format_names or {})
    if format_param is not None and format_param.strip():
        wanted = format_param.strip()
        if wanted.lower() in names and names[wanted.lower()] in offered:
            return names[wanted.lower()]
        base = wanted.split(";")[0].strip().lower()
        if base in offered:
            return base
        valid = sorted(n for n, t in names.items() if t in offered)
        raise UnknownFormat(
            f"format={wanted!r} is not offered for this answer. Valid values: "
            f"{', '.join(valid) or '(none)'} or one of the media types {', '.join(offered)}."
        )
    chosen = choose(accept, offered)
    if chosen is None:
        raise NotAcceptable(
            f"None of the media types in the Accept header ({accept}) is offered for this "
            f"answer. Offered: {', '.join(offered)}; or add a format= parameter "
            "(for example format=json)."
        )
    return chosen
