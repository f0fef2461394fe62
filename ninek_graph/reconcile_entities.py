"""The reconcilable entities, read from the build's N-Triples dump.

The index (:mod:`.reconcile_index`) is read once, when the application starts, from the
build's N-Triples dump (``dist/ninek.nt``): projects, municipalities, organisations and
groups with every name the graph gives them (``skos:prefLabel``, ``skos:altLabel``,
``dcterms:title``, ``rdfs:label``, ``foaf:name``, the names registered with municipality
numbers), their identifiers and time spans. This module turns the graph into those
entities, with the descriptions and facts the preview card shows.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .backend import DATA_GRAPH
from .reconcile import BASE, FOAF, NK, ORG, TYPE_BY_ID
from .reconcile_match import Form, fold

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
ADMS_IDENTIFIER = "http://www.w3.org/ns/adms#identifier"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"


@dataclass(frozen=True)
class Label:
    form: Form
    primary: bool


@dataclass
class Entity:
    id: str                      # the IRI without BASE: "municipality/tonsberg"
    type: str                    # one of TYPES
    name: str
    description: str = ""
    labels: list[Label] = field(default_factory=list)
    in_source: bool = True
    values: dict[str, set[str]] = field(default_factory=dict)   # property id -> values
    spans: list[tuple[int | None, int | None]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # for the preview card

    @property
    def iri(self) -> str:
        return BASE + self.id

    def type_json(self) -> list[dict]:
        info = TYPE_BY_ID[self.type]
        return [{"id": info.id, "name": info.name}]


def parse_year(value: str) -> int | None:
    """The year a date or year text begins with (``2014``, ``2014-08-01``), else None."""
    match = re.match(r"-?\d{4}", value.strip())
    return int(match.group()) if match else None


def _period(start: int | None, end: int | None) -> str:
    if start is None and end is None:
        return "period unknown"
    if start == end:
        return str(start)
    return f"{'' if start is None else start}–{'' if end is None else end}"


class _Graph:
    """The data graph of a store, read by quad pattern (objects in the dump's order)."""

    def __init__(self, store: ox.Store, graph: str = DATA_GRAPH,
                 gate: threading.Lock | None = None):
        self._store = store
        self._graph = ox.NamedNode(graph)
        self._gate = gate if gate is not None else threading.Lock()

    def _quads(self, subject, predicate: str, obj=None) -> list[ox.Quad]:
        with self._gate:  # see OxigraphBackend.store_gate
            return list(self._store.quads_for_pattern(subject, ox.NamedNode(predicate), obj,
                                                      self._graph))

    def objects(self, subject, predicate: str) -> list:
        return sorted((q.object for q in self._quads(subject, predicate)), key=str)

    def subjects_of_type(self, cls: str) -> set[str]:
        return {q.subject.value for q in self._quads(None, RDF_TYPE, ox.NamedNode(cls))
                if isinstance(q.subject, ox.NamedNode)}

    def texts(self, subject, predicate: str, lang: str | None = None) -> list[str]:
        return [o.value for o in self.objects(subject, predicate)
                if isinstance(o, ox.Literal) and (lang is None or o.language == lang)]

    def first(self, subject, predicate: str, lang: str | None = None) -> str | None:
        values = sorted(self.texts(subject, predicate, lang))
        return values[0] if values else None

    def types(self, subject) -> set[str]:
        return {o.value for o in self.objects(subject, RDF_TYPE)}


def read_entities(path: str | Path) -> list[Entity]:
    """Every project, municipality, organisation and group of the dump at ``path``."""
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(DATA_GRAPH))
    return entities_in(store)


def entities_in(store: ox.Store, *, graph: str = DATA_GRAPH,
                gate: threading.Lock | None = None) -> list[Entity]:
    """Every project, municipality, organisation and group in ``graph`` of ``store`` (the
    embedded back-end's own store, so the graph is not read into memory a second time)."""
    data = _Graph(store, graph, gate)
    candidates: set[str] = set()
    for cls in (NK + "Project", NK + "Municipality", ORG + "Organization", FOAF + "Group",
                NK + "AgentGroup"):
        candidates |= data.subjects_of_type(cls)
    entities = []
    for iri in sorted(candidates):
        if not iri.startswith(BASE):
            continue
        kind = iri[len(BASE):].split("/", 1)[0]
        node = ox.NamedNode(iri)
        types = data.types(node)
        if NK + "Project" in types:
            entities.append(_project(data, node))
        elif kind == "municipality" and types & {NK + "Municipality", ORG + "Organization"}:
            entities.append(_municipality(data, node, NK + "Municipality" in types))
        elif kind == "organisation" and ORG + "Organization" in types:
            entities.append(_organisation(data, node))
        elif kind == "group" and types & {FOAF + "Group", NK + "AgentGroup"}:
            entities.append(_group(data, node))
    return entities


def _labels(primary: Iterable[str], alternative: Iterable[str]) -> list[Label]:
    seen: dict[str, Label] = {}
    for text, is_primary in [(t, True) for t in primary] + [(t, False) for t in alternative]:
        form = Form.of(text)
        if form.norm and (form.norm not in seen or (is_primary and not seen[form.norm].primary)):
            seen[form.norm] = Label(form, is_primary)
    return list(seen.values())


def _identifiers(graph: _Graph, node, kind: str) -> list[tuple[str, int | None, int | None,
                                                             str | None]]:
    """(notation, start year, end year, registered name) of the identifiers of ``kind``."""
    found = []
    for identifier in graph.objects(node, ADMS_IDENTIFIER):
        if NK + kind not in graph.types(identifier):
            continue
        notation = graph.first(identifier, SKOS + "notation")
        if notation is None:
            continue
        start = end = None
        for period in graph.objects(identifier, DCTERMS + "temporal"):
            begin, finish = graph.first(period, DCAT + "startDate"), graph.first(
                period, DCAT + "endDate")
            start = parse_year(begin) if begin else None
            end = parse_year(finish) if finish else None
        found.append((notation, start, end, graph.first(identifier, NK + "registeredName")))
    return sorted(found, key=lambda f: (f[1] or 0, f[0]))


def _numbers_text(numbers) -> str:
    """``0701 (1988–2019), 3801 (2020–2023)``: one period per number (a renamed
    municipality keeps its number, so the spans of its names are joined)."""
    spans: dict[str, list[int | None]] = {}
    for number, start, end, _ in numbers:
        if number not in spans:
            spans[number] = [start, end]
            continue
        known = spans[number]
        known[0] = None if None in (known[0], start) else min(known[0], start)
        known[1] = None if None in (known[1], end) else max(known[1], end)
    return ", ".join(f"{n} ({_period(s, e)})" if (s or e) else n for n, (s, e) in spans.items())


def _project(graph: _Graph, node) -> Entity:
    title = graph.first(node, DCTERMS + "title") or graph.first(node, RDFS_LABEL) or ""
    alts = graph.texts(node, SKOS + "altLabel")
    start_text, end_text = graph.first(node, NK + "startYear"), graph.first(node, NK + "endYear")
    start = parse_year(start_text) if start_text else None
    end = parse_year(end_text) if end_text else None
    open_ended = graph.first(node, NK + "openEnded") == "true"
    entity = Entity(node.value[len(BASE):], "project", title)
    entity.labels = _labels([title], alts + graph.texts(node, RDFS_LABEL))
    if start is not None or end is not None:
        entity.spans = [(start if start is not None else end,
                         end if end is not None else (None if open_ended else start))]
    if start is not None:
        entity.values["startYear"] = {str(start)}
    categories, category_names = set(), []
    for concept in graph.objects(node, NK + "category"):
        categories.add(fold(concept.value[len(BASE):]))
        for text in graph.texts(concept, SKOS + "notation") + graph.texts(
                concept, SKOS + "prefLabel"):
            categories.add(fold(text))
        name = graph.first(concept, SKOS + "prefLabel", "nb") or concept.value
        category_names.append(name)
    entity.values["category"] = categories
    period = _period(start, end)
    entity.description = "Project, " + period + (
        "; " + ", ".join(sorted(category_names)) if category_names else "")
    entity.facts = [("Period", period + (" (open-ended)" if open_ended and end is None else ""))]
    if category_names:
        entity.facts.append(("Category", ", ".join(sorted(category_names))))
    if alts:
        entity.facts.append(("Also called", ", ".join(sorted(alts))))
    about = graph.first(node, DCTERMS + "description")
    if about:
        entity.facts.append(("Summary", about if len(about) <= 240 else about[:237] + "..."))
    return entity


def _agent_labels(graph: _Graph, node, extra: Iterable[str] = ()) -> tuple[str, list]:
    preferred = graph.texts(node, SKOS + "prefLabel")
    name = (graph.first(node, SKOS + "prefLabel", "nb") or graph.first(node, SKOS + "prefLabel")
            or graph.first(node, FOAF + "name") or graph.first(node, RDFS_LABEL, "nb") or "")
    alternative = (graph.texts(node, SKOS + "altLabel") + graph.texts(node, FOAF + "name")
                   + graph.texts(node, RDFS_LABEL) + list(extra))
    return name, _labels([name, *preferred], alternative)


def _wikidata(graph: _Graph, node) -> list[str]:
    return sorted(o.value.rsplit("/", 1)[-1] for o in graph.objects(node, OWL_SAME_AS)
                  if o.value.startswith("http://www.wikidata.org/entity/"))


def _municipality(graph: _Graph, node, in_source: bool) -> Entity:
    numbers = _identifiers(graph, node, "MunicipalityNumber")
    org_numbers = _identifiers(graph, node, "OrganisationNumber")
    name, labels = _agent_labels(graph, node, [n[3] for n in numbers if n[3]])
    entity = Entity(node.value[len(BASE):], "municipality", name, labels=labels,
                    in_source=in_source)
    entity.values["municipalityNumber"] = {n[0] for n in numbers}
    entity.values["organisationNumber"] = {n[0] for n in org_numbers}
    entity.spans = [(s, e) for _, s, e, _ in numbers]
    entity.description = "Municipality" + (
        "; kommunenummer " + _numbers_text(numbers) if numbers else "")
    if not in_source:
        entity.description += "; not named in the source (registries only)"
    renamed = sorted({f"{n[3]} ({n[0]}, {_period(n[1], n[2])})" for n in numbers
                      if n[3] and fold(n[3]) != fold(name)})
    entity.facts = [("Municipality numbers", _numbers_text(numbers) or "none recorded")]
    if org_numbers:
        entity.facts.append(("Organisation numbers", _numbers_text(org_numbers)))
    if renamed:
        entity.facts.append(("Earlier names", ", ".join(renamed)))
    _add_spellings_and_wikidata(entity, graph, node)
    return entity


def _add_spellings_and_wikidata(entity: Entity, graph: _Graph, node) -> None:
    """The facts a preview shows last: the source's spellings and the Wikidata items."""
    alts = sorted(set(graph.texts(node, SKOS + "altLabel")))
    if alts:
        entity.facts.append(("Spellings in the source", ", ".join(alts)))
    items = _wikidata(graph, node)
    if items:
        entity.facts.append(("Wikidata", ", ".join(items)))


def _organisation(graph: _Graph, node) -> Entity:
    name, labels = _agent_labels(graph, node)
    org_numbers = _identifiers(graph, node, "OrganisationNumber")
    entity = Entity(node.value[len(BASE):], "organisation", name, labels=labels)
    entity.values["organisationNumber"] = {n[0] for n in org_numbers}
    english = graph.first(node, RDFS_LABEL, "en")
    kind = graph.first(node, NK + "organisationKind")
    entity.description = english or (kind or "Organisation")
    if org_numbers:
        entity.description += "; organisasjonsnummer " + ", ".join(n[0] for n in org_numbers)
    if kind:
        entity.facts.append(("Kind", kind.replace("-", " ")))
    if org_numbers:
        entity.facts.append(("Organisation numbers", _numbers_text(org_numbers)))
    _add_spellings_and_wikidata(entity, graph, node)
    return entity


def _group(graph: _Graph, node) -> Entity:
    name, labels = _agent_labels(graph, node)
    entity = Entity(node.value[len(BASE):], "group", name, labels=labels)
    entity.description = graph.first(node, RDFS_LABEL, "en") or "Group of agents"
    size = graph.first(node, NK + "statedMemberCount")
    if size:
        entity.facts.append(("Stated size", size))
    alts = sorted(set(graph.texts(node, SKOS + "altLabel")))
    if alts:
        entity.facts.append(("Spellings in the source", ", ".join(alts)))
    return entity
