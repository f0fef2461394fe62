"""Who "all members" were: the cooperation's membership over time, and resolving it.

The source lists participants as "Alle", "Alle 7 kommunene", "Alle 9k (-Tønsberg)" and so
on. Those expressions only mean something against the membership at the project's time,
which changed: seven founding members, three more in 2001, Våle and Ramnes merged into Re on
2002-01-01. ``data/interpretation/membership.yaml`` states the membership periods and the
assumptions behind them; this module applies them (the rule is the assumption
``all-members-over-the-period`` there) and nothing else does.

Where a municipality stopped existing (Våle and Ramnes, merged into Re on 2002-01-01) its
membership ends with it: that end is not typed into the curated file but taken from
municipality history derived from Statistics Norway's classification (``validity``, from
:func:`ninek_graph.registry.municipality_validity`), so membership and registry history are
one account, not two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

Validity = dict[str, tuple[date | None, date | None]]

DOCUMENT_YEAR = 2005  # the overview describes the cooperation as of 2005


@dataclass(frozen=True)
class Member:
    municipality: str
    start: int
    end: int | None
    founding: bool


@dataclass(frozen=True)
class ResolvedMember:
    """A municipality resolved from an "all members" expression, for the years in which
    both the project ran and the municipality was a member."""

    municipality: str
    start: int
    end: int


def members(membership: dict[str, Any], validity: Validity | None = None) -> list[Member]:
    """The members with their periods in years: the curated joining year, ended by the
    curated year of leaving or, where the municipality itself ended within the document's
    years, by the last year it existed (``validity``). A curated period that starts before
    the municipality existed is an error."""
    found = []
    for m in membership["members"]:
        start, end = m["from"], m.get("to")
        begun, ended = (validity or {}).get(m["municipality"], (None, None))
        if begun is not None and start < begun.year:
            raise ValueError(
                f"membership.yaml: {m['municipality']} joins in {start}, but it exists only "
                f"from {begun.isoformat()} (Statistics Norway)"
            )
        if ended is not None and ended.year <= DOCUMENT_YEAR:
            end = ended.year if end is None else min(end, ended.year)
        found.append(Member(m["municipality"], start, end, bool(m.get("founding"))))
    return found


def resolve_all_members(
    membership: dict[str, Any],
    start: int,
    end: int | None,
    stated_count: int | None,
    validity: Validity | None = None,
) -> list[ResolvedMember]:
    """The members an "all members" expression denotes for a project running ``start`` to
    ``end`` (``None``: open-ended, taken to run to :data:`DOCUMENT_YEAR`).

    A stated count of seven means the founding members; otherwise every municipality that
    was a member in some year of the period, each limited to the overlapping years.
    """
    last = end if end is not None else max(start, DOCUMENT_YEAR)
    resolved = []
    for member in members(membership, validity):
        if stated_count == 7 and not member.founding:
            continue
        member_end = member.end if member.end is not None else DOCUMENT_YEAR
        overlap_start, overlap_end = max(start, member.start), min(last, member_end)
        if stated_count == 7:
            overlap_start, overlap_end = start, last
        if overlap_start <= overlap_end:
            resolved.append(ResolvedMember(member.municipality, overlap_start, overlap_end))
    return resolved
