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
    both the project ran and the municipality was a member (``end`` ``None``: the
    participation is open-ended, as its project is)."""

    municipality: str
    start: int
    end: int | None


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


def existence_years(
    agent: str, start: int, end: int | None, validity: Validity | None = None
) -> tuple[int, int | None] | None:
    """The years of ``start``..``end`` (``end`` ``None``: open-ended) in which ``agent``
    existed, by ``validity`` (agents it does not know existed throughout); ``None`` when it
    existed in none of them. An end of existence after :data:`DOCUMENT_YEAR` leaves an
    open-ended period open: the document says nothing of the years after it."""
    begun, ended = (validity or {}).get(agent, (None, None))
    if begun is not None:
        start = max(start, begun.year)
    if ended is not None and ended.year <= DOCUMENT_YEAR:
        end = ended.year if end is None else min(end, ended.year)
    if end is not None and end < start:
        return None
    return start, end


def resolve_all_members(
    membership: dict[str, Any],
    start: int,
    end: int | None,
    stated_count: int | None,
    validity: Validity | None = None,
) -> list[ResolvedMember]:
    """The members an "all members" expression denotes for a project running ``start`` to
    ``end`` (``None``: open-ended).

    A stated count of seven means the founding members, for the whole period; otherwise
    every municipality that was a member in some year of the period, each limited to the
    overlapping years (and to the years it existed). There is no switch to read "all" as
    anything else: a row that supports another reading for some municipality names it among
    its participants with its own evidence (line 28), and that reading replaces this one
    for it (see rdf_rows). An open-ended project gives open-ended participations, except where the
    membership or the municipality ended within the document's years.
    """
    resolved = []
    last = end if end is not None else max(start, DOCUMENT_YEAR)
    for member in members(membership, validity):
        if stated_count == 7 and not member.founding:
            continue
        if stated_count == 7:
            years = existence_years(member.municipality, start, end, validity)
            if years is not None:
                resolved.append(ResolvedMember(member.municipality, *years))
            continue
        member_end = member.end if member.end is not None else DOCUMENT_YEAR
        overlap_start, overlap_end = max(start, member.start), min(last, member_end)
        if overlap_start > overlap_end:
            continue
        # open while both the project and the membership run past the document's years
        open_ended = end is None and member.end is None
        resolved.append(ResolvedMember(member.municipality, overlap_start,
                                       None if open_ended else overlap_end))
    return resolved
