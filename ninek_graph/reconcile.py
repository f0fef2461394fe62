"""Entity reconciliation: the index and the matching behind ``/reconcile``.

The W3C Entity Reconciliation Service API 0.2 (https://reconciliation-api.github.io/specs/0.2/)
leaves candidate retrieval and scoring to the service ("A Note on Candidate Retrieval and
Scoring"). Here both work on an index read once, when the application starts, from the
build's N-Triples dump (``dist/ninek.nt``): projects, municipalities, organisations and
groups with every name the graph gives them (``skos:prefLabel``, ``skos:altLabel``,
``dcterms:title``, ``rdfs:label``, ``foaf:name``, the names registered with municipality
numbers), their identifiers and time spans.

Names are compared after folding: case, diacritics and the Norwegian letters (``ø`` and
``oe`` -> ``o``, ``æ`` -> ``ae``, ``å`` and ``aa`` -> ``a``), punctuation to spaces. Scores
(0-100) come in tiers, so that a client can read them:

* 100 the main name, folded; 98 the same without spaces (``fylkes- kommunen``); 96 the same
  words in another order; an alternative name scores 3 less than the main name;
* 90 an abbreviation built from word beginnings (``HiVe`` for Høgskolen i Vestfold);
* at most 89 for partial names and typos: word-by-word similarity (prefixes, optimal string
  alignment distance) and edit distance over the whole name.

Municipalities that exist only in the registries (later mergers, e.g. Færder) score 5 less
than those the source names, so the source's municipality comes first among namesakes.
A candidate is a ``match`` only when it scores 95 or more and the next one at least 10 less.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

BASE = "https://w3id.org/ninek/"
NK = BASE + "def#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
ADMS_IDENTIFIER = "http://www.w3.org/ns/adms#identifier"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"

MAX_BATCH = 100          # queries in one batch (also the manifest's batchSize)
MAX_BATCH_CHARS = 200_000
MAX_TEXT = 500           # characters in a query string, property value, id or prefix
MAX_PROPERTIES = 20
MAX_VALUES = 50
MAX_TYPES = 20
MAX_LIMIT = 100
MAX_QUERY_WORDS = 12     # words of a query compared one by one (names are short)
DEFAULT_LIMIT = 10
MIN_SCORE = 50.0
MATCH_SCORE = 95.0
MATCH_GAP = 10.0
QUERY_KEYS = frozenset({"query", "type", "limit", "properties", "type_strict"})


class ReconcileInputError(ValueError):
    """A request the service cannot answer; the message says what to change."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class TypeInfo:
    id: str
    name: str
    description: str
    aliases: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description}


TYPES = (
    TypeInfo("project", "Project", "A project of 9-kommunesamarbeidet i Vestfold (nk:Project)",
             (NK + "Project", "nk:Project")),
    TypeInfo("municipality", "Municipality",
             "A Norwegian municipality (kommune): the cooperation's members, the others the "
             "source names, and their successors after mergers", (NK + "Municipality",
                                                                 "nk:Municipality")),
    TypeInfo("organisation", "Organisation",
             "An organisation the source names: college, agency, company, ministry, school...",
             (ORG + "Organization", "org:Organization")),
    TypeInfo("group", "Group of agents",
             "A group the source names without listing its members (foaf:Group)",
             (FOAF + "Group", "foaf:Group", NK + "AgentGroup")),
)
DEFAULT_TYPES = ("project", "municipality", "organisation")
TYPE_BY_ID = {t.id: t for t in TYPES}
TYPE_ALIASES = {alias: t.id for t in TYPES for alias in (t.id, *t.aliases)}


@dataclass(frozen=True)
class PropertyInfo:
    id: str
    name: str
    description: str

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description}


PROPERTIES = (
    PropertyInfo("municipalityNumber", "Municipality number (kommunenummer)",
                 "Four digits, e.g. 0704 (716 is read as 0716); matches a number the "
                 "municipality held in any period."),
    PropertyInfo("organisationNumber", "Organisation number (organisasjonsnummer)",
                 "Nine digits; spaces are ignored."),
    PropertyInfo("year", "Active in year",
                 "A year: projects running then, municipalities holding a number then. "
                 "Entities whose time span the graph does not know are not excluded."),
    PropertyInfo("startYear", "Start year", "The year a project started."),
    PropertyInfo("category", "Category",
                 "A project category: its notation (driftsprosjekter), name or IRI."),
)
PROPERTY_BY_ID = {p.id: p for p in PROPERTIES}

# ---------------------------------------------------------------------------------------
# Folding and similarity

_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ð": "d", "þ": "th", "œ": "oe"})
_NON_WORD = re.compile(r"[\W_]+")
_DIGIT = re.compile(r"\d")
STOPWORDS = frozenset({"i", "og", "for", "av", "om", "pa", "til", "med", "som", "en", "ved",
                       "the", "of", "and", "in"})


def fold(text: str) -> str:
    """Lower case without diacritics; ø/oe -> o, æ -> ae, å/aa -> a; punctuation -> spaces."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    text = text.replace("aa", "a").replace("oe", "o")
    return " ".join(_NON_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class Form:
    """A name, folded once: the spaced form, the compact form and its words."""

    text: str
    norm: str
    compact: str
    tokens: tuple[str, ...]
    sorted_tokens: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Form:
        norm = fold(text)
        tokens = tuple(norm.split())
        return cls(text, norm, norm.replace(" ", ""), tokens, tuple(sorted(tokens)))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions and adjacent
    transpositions), or ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, before[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def similarity(a: str, b: str, floor: float = 0.75) -> float:
    """1 - distance / longer length, or 0.0 when that is below ``floor``."""
    longest = max(len(a), len(b))
    if not longest:
        return 0.0
    limit = int(longest * (1 - floor))
    distance = edit_distance(a, b, limit)
    return 0.0 if distance > limit else 1 - distance / longest


@lru_cache(maxsize=1 << 16)
def _token_similarity(query: str, word: str) -> float:
    if query == word:
        return 1.0
    if _DIGIT.search(query) or _DIGIT.search(word):
        return 0.0  # numbers tell versions apart ("Vekst og bo 1" / "... 2"): exact only
    if len(query) >= 3 and word.startswith(query):
        return 0.9
    shorter, longer = sorted((len(query), len(word)))
    if shorter < 4 or longer - shorter > longer // 4:
        return 0.0
    return 0.95 * similarity(query, word)


def _weight(token: str) -> float:
    return 0.3 if token in STOPWORDS else 1.0


def _is_abbreviation(query: str, tokens: Sequence[str]) -> bool:
    """Whether ``query`` is made of beginnings of the words in order (each content word
    gives at least one letter, small words may be skipped): ``hive``, ``hve``."""
    if len(tokens) < 2 or not 3 <= len(query) <= 10 or query.isdigit():
        return False
    seen: dict[tuple[int, int], bool] = {}

    def walk(i: int, k: int) -> bool:
        if k == len(tokens):
            return i == len(query)
        if (i, k) not in seen:
            word = tokens[k]
            found = word in STOPWORDS and walk(i, k + 1)
            n = 1
            while not found and n <= len(word) and query[i:i + n] == word[:n]:
                found = walk(i + n, k + 1)
                n += 1
            seen[i, k] = found
        return seen[i, k]

    return walk(0, 0)


def name_score(query: Form, label: Form, cache: dict | None = None) -> float:
    """How well ``query`` names ``label``, 0-100 (tiers in the module docstring).

    ``cache`` keeps word similarities across the labels scored for one query; only the
    first :data:`MAX_QUERY_WORDS` words of a query take part in word-by-word scoring."""
    if not query.norm or not label.norm:
        return 0.0
    if query.norm == label.norm:
        return 100.0
    if query.compact == label.compact:
        return 98.0
    if query.sorted_tokens == label.sorted_tokens:
        return 96.0
    if len(query.tokens) == 1 and _is_abbreviation(query.compact, label.tokens):
        return 90.0
    cache = {} if cache is None else cache

    def word_similarity(t: str, w: str) -> float:
        if (t, w) not in cache:
            cache[t, w] = _token_similarity(t, w)
        return cache[t, w]

    best = 0.0
    words = query.tokens[:MAX_QUERY_WORDS]
    per_query = [max(word_similarity(t, w) for w in label.tokens) for t in words]
    precision = (sum(_weight(t) * s for t, s in zip(words, per_query, strict=True))
                 / sum(_weight(t) for t in words))
    if precision >= 0.5:
        per_word = [max(word_similarity(t, w) for t in words) for w in label.tokens]
        recall = (sum(_weight(w) * s for w, s in zip(label.tokens, per_word, strict=True))
                  / sum(_weight(w) for w in label.tokens))
        best = 89.0 * (0.7 * precision + 0.3 * recall)
    return max(best, 89.0 * similarity(query.compact, label.compact))


# ---------------------------------------------------------------------------------------
# The index


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


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked (section "Structure of a Reconciliation Query")."""

    text: str | None
    types: tuple[str, ...] = ()
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    properties: tuple[tuple[str, tuple[str, ...]], ...] = ()


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


def _year(value: str) -> int | None:
    match = re.match(r"-?\d{4}", value.strip())
    return int(match.group()) if match else None


def _period(start: int | None, end: int | None) -> str:
    if start is None and end is None:
        return "period unknown"
    if start == end:
        return str(start)
    return f"{'' if start is None else start}–{'' if end is None else end}"


class _Graph:
    """The dump as subject -> predicate -> objects (the whole graph is a few MB)."""

    def __init__(self, quads: Iterable[ox.Quad]):
        self.triples: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for quad in quads:
            self.triples[str(quad.subject)][quad.predicate.value].append(quad.object)

    def objects(self, subject, predicate: str) -> list:
        node = self.triples.get(str(subject))
        return list(node.get(predicate, ())) if node else []

    def texts(self, subject, predicate: str, lang: str | None = None) -> list[str]:
        return [o.value for o in self.objects(subject, predicate)
                if isinstance(o, ox.Literal) and (lang is None or o.language == lang)]

    def first(self, subject, predicate: str, lang: str | None = None) -> str | None:
        values = sorted(self.texts(subject, predicate, lang))
        return values[0] if values else None

    def types(self, subject) -> set[str]:
        return {o.value for o in self.objects(subject, RDF_TYPE)}


class ReconcileIndex:
    """Every reconcilable entity with its folded names, property values and time spans."""

    def __init__(self, entities: Iterable[Entity]):
        self.entities = sorted(entities, key=lambda e: e.id)
        self.by_id = {e.id: e for e in self.entities}

    @classmethod
    def from_ntriples(cls, path: str | Path) -> ReconcileIndex:
        graph = _Graph(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
        entities = []
        for subject in list(graph.triples):
            if not subject.startswith("<" + BASE):
                continue
            iri = subject[1:-1]
            kind = iri[len(BASE):].split("/", 1)[0]
            types = graph.types(subject)
            node = ox.NamedNode(iri)
            if NK + "Project" in types:
                entities.append(_project(graph, node))
            elif kind == "municipality" and types & {NK + "Municipality", ORG + "Organization"}:
                entities.append(_municipality(graph, node, NK + "Municipality" in types))
            elif kind == "organisation" and ORG + "Organization" in types:
                entities.append(_organisation(graph, node))
            elif kind == "group" and types & {FOAF + "Group", NK + "AgentGroup"}:
                entities.append(_group(graph, node))
        return cls(e for e in entities if e.name)

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


def suggest_named(items: Iterable[TypeInfo | PropertyInfo], prefix: str, cursor: int = 0,
                  limit: int = DEFAULT_LIMIT) -> list[dict]:
    """Types or properties whose id or name (or a word of it) begins with ``prefix``."""
    wanted = fold(prefix)
    hits = []
    for item in items:
        forms = [Form.of(item.id), Form.of(item.name)]
        if any(f.norm.startswith(wanted) or any(t.startswith(wanted) for t in f.tokens)
               for f in forms):
            hits.append(item.as_json())
    return hits[cursor:cursor + limit]


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
        years = [y for y in (_year(v) for v in values) if y is not None]
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
            year = _year(value)
            value = "" if year is None else str(year)
        elif pid == "category":
            value = fold(value[len(BASE):] if value.startswith(BASE) else value)
        if value and value in have:
            return True
    return False


# ---------------------------------------------------------------------------------------
# Entities from the graph


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
            start = _year(begin) if begin else None
            end = _year(finish) if finish else None
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
    start = _year(start_text) if start_text else None
    end = _year(end_text) if end_text else None
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
    alts = sorted(set(graph.texts(node, SKOS + "altLabel")))
    if alts:
        entity.facts.append(("Spellings in the source", ", ".join(alts)))
    if _wikidata(graph, node):
        entity.facts.append(("Wikidata", ", ".join(_wikidata(graph, node))))
    return entity


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
    alts = sorted(set(graph.texts(node, SKOS + "altLabel")))
    if alts:
        entity.facts.append(("Spellings in the source", ", ".join(alts)))
    if _wikidata(graph, node):
        entity.facts.append(("Wikidata", ", ".join(_wikidata(graph, node))))
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


# ---------------------------------------------------------------------------------------
# Reading a query batch (section "Sending Reconciliation Queries to a Service")


def _reject_constant(name: str):
    raise ReconcileInputError(f"`queries` is not valid JSON: {name} is not a JSON number.")


def parse_batch(text: str) -> dict[str, Query]:
    """A reconciliation query batch from its JSON text, checked field by field."""
    if len(text) > MAX_BATCH_CHARS:
        raise ReconcileInputError(
            f"`queries` has {len(text):,} characters; at most {MAX_BATCH_CHARS:,} are "
            f"accepted. Send at most {MAX_BATCH} queries per batch.")
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ReconcileInputError(
            f"`queries` is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}.") from None
    except (ValueError, RecursionError) as error:
        if isinstance(error, ReconcileInputError):
            raise
        raise ReconcileInputError(f"`queries` is not valid JSON: {error}.") from None
    if not isinstance(raw, dict):
        raise ReconcileInputError(
            "`queries` must be a JSON object mapping query ids to queries, e.g. "
            '{"q0": {"query": "Tønsberg", "type": "municipality"}}; got a JSON '
            f"{_json_kind(raw)}.")
    if len(raw) > MAX_BATCH:
        raise ReconcileInputError(
            f"The batch has {len(raw)} queries; at most {MAX_BATCH} are accepted per request "
            "(the manifest's batchSize). Split it into smaller batches.")
    return {key: parse_query(key, value) for key, value in raw.items()}


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", int: "number",
            float: "number"}.get(type(value), type(value).__name__)


def _text(value, where: str) -> str:
    if not isinstance(value, str):
        raise ReconcileInputError(f"{where} must be a string, not a JSON {_json_kind(value)}.")
    if len(value) > MAX_TEXT:
        raise ReconcileInputError(
            f"{where} has {len(value):,} characters; at most {MAX_TEXT} are accepted.")
    return value


def parse_query(key: str, raw) -> Query:
    """One reconciliation query; every problem is reported with the query's id."""
    where = f"Query {key!r}"
    if len(key) > MAX_TEXT:
        raise ReconcileInputError(f"A query id has {len(key):,} characters; at most "
                                  f"{MAX_TEXT} are accepted.")
    if not isinstance(raw, dict):
        raise ReconcileInputError(f"{where} must be a JSON object, not a JSON "
                                  f"{_json_kind(raw)}.")
    unknown = sorted(set(raw) - QUERY_KEYS)
    if unknown:
        raise ReconcileInputError(
            f"{where} has unknown field(s) {', '.join(map(repr, unknown))}; the fields are "
            f"{', '.join(sorted(QUERY_KEYS))}.")
    text = None
    if "query" in raw:
        text = _text(raw["query"], f"{where}: `query`").strip() or None
    properties = _parse_properties(raw.get("properties"), where) if "properties" in raw else ()
    if text is None and not properties:
        raise ReconcileInputError(
            f"{where} has neither a non-empty `query` string nor `properties`; give at least "
            "one of them.")
    types: tuple[str, ...] = ()
    if "type" in raw:
        value = raw["type"]
        items = value if isinstance(value, list) else [value]
        if len(items) > MAX_TYPES:
            raise ReconcileInputError(f"{where}: `type` lists more than {MAX_TYPES} types.")
        types = tuple(_text(t, f"{where}: `type`") for t in items)
    strict = raw.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise ReconcileInputError(
            f"{where}: `type_strict` must be \"any\", \"should\" or \"all\", not "
            f"{json.dumps(strict, ensure_ascii=False)[:60]}.")
    limit = DEFAULT_LIMIT
    if "limit" in raw:
        value = raw["limit"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ReconcileInputError(
                f"{where}: `limit` must be a number (a positive integer), not a JSON "
                f"{_json_kind(value)}.")
        if not math.isfinite(value) or value != int(value) or value < 1:
            raise ReconcileInputError(f"{where}: `limit` must be a positive integer, not "
                                      f"{value}.")
        limit = min(int(value), MAX_LIMIT)
    return Query(text, types, strict, limit, properties)


def _parse_properties(raw, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, list):
        raise ReconcileInputError(f"{where}: `properties` must be an array of "
                                  '{"pid": ..., "v": ...} objects.')
    if len(raw) > MAX_PROPERTIES:
        raise ReconcileInputError(f"{where}: at most {MAX_PROPERTIES} properties are accepted.")
    parsed = []
    for n, item in enumerate(raw):
        here = f"{where}: properties[{n}]"
        if not isinstance(item, dict) or "pid" not in item or "v" not in item:
            raise ReconcileInputError(f'{here} must be an object with "pid" and "v".')
        pid = _text(item["pid"], f"{here}.pid")
        if pid not in PROPERTY_BY_ID:
            raise ReconcileInputError(
                f"{here}: unknown property {pid!r}; the properties are "
                f"{', '.join(p.id for p in PROPERTIES)} (see /reconcile/suggest/property).")
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        if len(values) > MAX_VALUES:
            raise ReconcileInputError(f"{here}.v has more than {MAX_VALUES} values.")
        parsed.append((pid, tuple(_property_value(v, f"{here}.v") for v in values)))
    return tuple(parsed)


def _property_value(value, where: str) -> str:
    """A property value as text: strings, numbers, booleans, or an entity ``{"id": ...}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if math.isfinite(value) and value == int(value) else str(value)
    if isinstance(value, dict):
        if "id" not in value:
            raise ReconcileInputError(f'{where}: an entity value needs an "id".')
        return _text(value["id"], f"{where}.id")
    if isinstance(value, str):
        return _text(value, where)
    raise ReconcileInputError(f"{where} must be a string, number, boolean or "
                              f'{{"id": ...}}, not a JSON {_json_kind(value)}.')
