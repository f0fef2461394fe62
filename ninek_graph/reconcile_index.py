"""The reconciliation index: candidates for a query and for a suggest prefix.

Candidates are the entities of :mod:`.reconcile_entities` that pass a query's type and
property filters, ranked by how well the query names them (:mod:`.reconcile_match`).
Municipalities that exist only in the registries (later mergers, e.g. Færder) score 5 less
than those the source names, so the source's municipality comes first among namesakes.
A candidate is a ``match`` only when it scores 95 or more and the next one at least 10 less.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .reconcile import BASE, DEFAULT_LIMIT, TYPE_ALIASES
from .reconcile_batch import Query
from .reconcile_entities import Entity, entities_in, parse_year, read_entities
from .reconcile_match import Form, fold, name_score

MIN_SCORE = 50.0
MATCH_SCORE = 95.0
MATCH_GAP = 10.0


@dataclass(frozen=True)
class Candidate:
    entity: Entity
    score: float
    name_score: float
    match: bool = False

    def as_json(self) -> dict:
        result = {"id": self.entity.id, "name": self.entity.name,
                  "type": self.entity.type_json(), "score": round(self.score, 1),
                  "match": self.match,
                  "features": [{"id": "name_similarity", "value": round(self.name_score, 1)},
                               {"id": "named_in_source", "value": self.entity.in_source}]}
        if self.entity.description:
            result["description"] = self.entity.description
        return result


class ReconcileIndex:
    """Every reconcilable entity with its folded names, property values and time spans."""

    def __init__(self, entities: Iterable[Entity]):
        self.entities = sorted(entities, key=lambda e: e.id)
        self.by_id = {e.id: e for e in self.entities}

    @classmethod
    def from_ntriples(cls, path: str | Path) -> ReconcileIndex:
        return cls(e for e in read_entities(path) if e.name)

    @classmethod
    def from_store(cls, store, *, gate=None) -> ReconcileIndex:
        """From the data graph of a loaded store (the pages' and the queries' own)."""
        return cls(e for e in entities_in(store, gate=gate) if e.name)

    def lookup(self, identifier: str) -> Entity | None:
        """An entity by its id (``project/geodata``) or IRI."""
        identifier = identifier.strip()
        if identifier.startswith(BASE):
            identifier = identifier[len(BASE):]
        return self.by_id.get(identifier)

    # -- reconciliation ------------------------------------------------------------------

    def reconcile(self, query: Query) -> list[Candidate]:
        """Ranked candidates for one query (filters: type, properties; then names)."""
        types = _resolve_types(query.types, query.type_strict)
        if types is None:
            return []
        form = Form.of(query.text) if query.text else None
        cache: dict = {}
        direct = self.lookup(query.text) if query.text else None
        scored = []
        for entity in self.entities:
            if types and entity.type not in types:
                continue
            if not all(_has_value(entity, pid, values) for pid, values in query.properties):
                continue
            if form is None:
                score = 100.0
            elif entity is direct:
                score = 100.0
            else:
                score = max((name_score(form, label.form, cache) - (0 if label.primary else 3)
                             for label in entity.labels), default=0.0)
            named = score
            if not entity.in_source:
                score -= 5
            if score >= MIN_SCORE:
                scored.append((entity, score, max(named, 0.0)))
        scored.sort(key=lambda c: (-c[1], not c[0].in_source, c[0].name, c[0].id))
        scored = scored[:query.limit]
        candidates = [Candidate(e, s, n) for e, s, n in scored]
        if candidates and candidates[0].score >= MATCH_SCORE and (
            len(candidates) == 1 or candidates[0].score - candidates[1].score >= MATCH_GAP
        ):
            top = candidates[0]
            candidates[0] = Candidate(top.entity, top.score, top.name_score, True)
        return candidates

    def reconcile_batch(self, batch: dict[str, Query]) -> dict[str, dict]:
        return {key: {"result": [c.as_json() for c in self.reconcile(query)]}
                for key, query in batch.items()}

    # -- suggest -------------------------------------------------------------------------

    def suggest(self, prefix: str, *, type_id: str | None = None, cursor: int = 0,
                limit: int = DEFAULT_LIMIT) -> list[dict]:
        """Entities whose name, a word of it, or id begins with ``prefix`` (folded)."""
        wanted = fold(prefix)
        compact = wanted.replace(" ", "")
        ranked = []
        for entity in self.entities:
            if type_id is not None and entity.type != type_id:
                continue
            best = 0.0
            if prefix.strip() and self.lookup(prefix) is entity:
                best = 4.0
            for label in entity.labels:
                bonus = 0.5 if label.primary else 0.0
                if label.form.norm.startswith(wanted) or label.form.compact.startswith(compact):
                    best = max(best, 3.0 + bonus)
                elif any(" ".join(label.form.tokens[i:]).startswith(wanted)
                         for i in range(1, len(label.form.tokens))):
                    best = max(best, 2.0 + bonus)
            if best:
                ranked.append((best, entity))
        ranked.sort(key=lambda r: (-r[0], not r[1].in_source, r[1].name, r[1].id))
        return [{"id": e.id, "name": e.name, "description": e.description,
                 "notable": e.type_json()} for _, e in ranked[cursor:cursor + limit]]


def _resolve_types(requested: Sequence[str], strict: str) -> set[str] | None:
    """The type ids a query accepts: empty set = any; None = nothing can match."""
    if not requested:
        return set()
    known = {TYPE_ALIASES[t] for t in requested if t in TYPE_ALIASES}
    if strict == "all":
        # Every entity has one type: "all" of several distinct types matches nothing.
        return known if len(known) == 1 and len(set(requested)) == 1 else None
    return known or None


def _digits(value: str) -> str:
    return re.sub(r"[\s.]", "", value)


def _has_value(entity: Entity, pid: str, values: tuple[str, ...]) -> bool:
    """Whether ``entity`` has any of ``values`` for ``pid``; a value that cannot be read
    (``abc`` as a year) matches nothing."""
    if pid == "year":
        if not entity.spans:
            return True
        years = [y for y in (parse_year(v) for v in values) if y is not None]
        return any((start is None or start <= y) and (end is None or y <= end)
                   for y in years for start, end in entity.spans)
    have = entity.values.get(pid, set())
    for value in values:
        if pid == "municipalityNumber":
            value = _digits(value)
            value = value.zfill(4) if value.isdigit() and len(value) < 4 else value
        elif pid == "organisationNumber":
            value = _digits(value)
        elif pid == "startYear":
            year = parse_year(value)
            value = "" if year is None else str(year)
        elif pid == "category":
            value = fold(value[len(BASE):] if value.startswith(BASE) else value)
        if value and value in have:
            return True
    return False
