"""Registry links and municipality history, derived at build time from ``data/registries/``.

What this module computes, and from where
-----------------------------------------
*Municipality history* comes from Statistics Norway's classification 131 "Standard for
kommuneinndeling" (copied versions in ``data/registries/ssb-klass-131/``, credit Statistisk
sentralbyrå (SSB), NLOD / CC BY 4.0). Consecutive copied versions are compared (codes that
appear, disappear, names that change) and every change is explained by SSB's own text: the
versions' introductions, change logs and item notes ("... ble 0716 Våle og 0718 Ramnes slått
sammen til 0716 Re", "Fra 1. juni 2002 ble navnet på 0701 Borre kommune endret til Horten").
The derived history is then re-checked against every copied version (:class:`RegistryError`
if a version disagrees). The copies stop with the 2019 version: the 2020 mergers are read from
the notes older versions carry; the numbers held from 2020 (38xx, Drammen 3005) and from 2024
(39xx, 3301), and the end dates of the 2020 numbers, come from ``crosswalk.tsv``'s
``valid_from`` / ``valid_to``, and each identifier names its sources. Nothing of this is typed
in here; only the patterns of SSB's sentences are.

Identity of municipalities (the modelling decision)
---------------------------------------------------
* A rename keeps the entity (0701 Borre -> Horten, 2002-06-01: one entity ``horten``; "Borre"
  is an ``skos:altLabel`` and the name registered with 0701 until 2002-05-31).
* A renumbering keeps the entity (07xx -> 38xx in 2020, 38xx -> 39xx in 2024).
* A merger creates a new entity when SSB calls the result "ny kommune", when its name is new,
  or when it gets a new number inside the same county numbering (0706 -> 0710 Sandefjord
  2017, 0702 -> 0715 Holmestrand 2018). A merger that keeps a predecessor's name and whose
  number changes only because the county was renumbered continues that predecessor: 0704
  Tønsberg + 0716 Re -> 3803 Tønsberg (2020) is Tønsberg, 0715 Holmestrand + 0713 Sande ->
  3802 Holmestrand is the 2018 Holmestrand, 0602 Drammen + Nedre Eiker + Svelvik -> 3005 is
  Drammen. This is how the Wikidata items in ``crosswalk.tsv`` are assigned: Q107392 carries
  both 0704 and 3803, Q483871 both 0715 and 3802, while the pre-2017 Sandefjord and pre-2018
  Holmestrand are not the items of the new ones. (Enhetsregisteret differs for Tønsberg: the
  authority got a new organisation number in 2020; both numbers are attached to ``tonsberg``
  with their periods.) Each ``owl:sameAs`` is checked: every (number, year) the crosswalk says
  the item carried must belong to the same entity; an item verified without the number (two
  sources, as Nøtterøy's) must match one entity by name and, where the source names one, by
  successor. An item the crosswalk marks as seen in a *single source* is no identity: the
  entity gets ``rdfs:seeAlso`` and an ``nk:CandidateMatch`` with the evidence
  (:func:`wikidata_candidates`; skos:closeMatch would make the municipality a skos:Concept).
  Organisations: the item of the organisation itself is ``owl:sameAs``, the item of a
  successor ("successor of Høgskolen i Vestfold") ``dcterms:isReplacedBy``.
* Slugs: ``slugify`` of the latest name; when two entities share it, the one founded later
  gets ``-<year founded>``: ``sandefjord`` (0706, to 2016) and ``sandefjord-2017``,
  ``holmestrand`` (0702, to 2017) and ``holmestrand-2018``. Others: ``faerder``, ``drammen``,
  ``nedre-eiker``. The 1998-2005 municipalities get the plain slugs the core uses.
* Scope: the municipalities the core names (``data/interpretation/agents.yaml``) and, through
  SSB's merger sentences, their co-predecessors and successors. Mergers before the earliest
  copied version (1988) only date the beginning of a number; they are not modelled as events.
  Bærum (0219) is in the copied versions and linked for 0219 (to 2019-12-31, when SSB's note
  says county 02 was merged into 30); its later numbers are in neither file, so it is listed by
  :func:`unlinked`. Stokke merged "mostly" into Sandefjord (SSB: Vear, ca. 2 200 people, went
  to Tønsberg): Stokke's successor is Sandefjord; the transfer is in the event's description.

Modelling (standard terms first)
--------------------------------
Municipality numbers and organisation numbers are ``adms:Identifier`` nodes (subclasses
``nk:MunicipalityNumber`` / ``nk:OrganisationNumber``) with IRIs, attached by
``adms:identifier``, carrying ``skos:notation`` as a typed literal (``nk:kommunenummer``,
``nk:organisasjonsnummer``; ADMS uses the datatype of the notation for the scheme), the
registry's name for the entity (``nk:registeredName``), ``dcterms:temporal`` ->
``dcterms:PeriodOfTime`` with ``dcat:startDate`` / ``dcat:endDate`` (inclusive, DCAT 2 §6.15;
SSB's ``validTo`` is exclusive and is converted) and ``dcterms:source``. Mergers and renames
are ``org:ChangeEvent`` (W3C ORG §5.6) typed ``nk:Merger`` / ``nk:Rename``, with
``dcterms:date``, ``org:originalOrganization`` / ``org:resultingOrganization`` and SSB's
sentence as ``dcterms:description``; municipalities are linked directly by ``nk:successor`` /
``nk:predecessor`` so that ``nk:predecessor*`` walks the history. Counties are items of SSB's
county classification (``skos:Concept``, ``iri("concept", "fylke", "07")``) linked by
``nk:county`` (the first two digits of the number are the county number, as 131.json says);
their Wikidata items by ``skos:exactMatch``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, RDF, RDFS, SKOS, VOID, XSD

from .namespaces import ADMS, NK, WD, bind_prefixes, iri
from .paths import INTERPRETATION_DIR, REGISTRY_DIR
from .slugs import slugify

__all__ = [
    "RegistryError",
    "valid_organisation_number",
    "history",
    "registry_graph",
    "void_linksets",
    "municipality_validity",
    "unlinked",
    "wikidata_candidates",
    "organisation_wikidata",
]

SSB_DIR = REGISTRY_DIR / "ssb-klass-131"
CROSSWALK = REGISTRY_DIR / "crosswalk.tsv"
CROSSWALK_IRI = iri("source", "registries", "crosswalk")
SSB_CLASSIFICATION = URIRef("https://data.ssb.no/api/klass/v1/classifications/131")
SSB = "Statistisk sentralbyrå (SSB)"
BRREG = "Brønnøysundregistrene (Enhetsregisteret)"
NLOD = URIRef("https://data.norge.no/nlod/no/2.0")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
ONE_DAY = timedelta(days=1)
ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


class RegistryError(ValueError):
    """The registry copies contradict themselves or the derivation; the message says where."""


def valid_organisation_number(number: str) -> bool:
    """Whether ``number`` is 9 digits whose last is the modulus-11 check digit of the first 8
    (weights 3,2,7,6,5,4,3,2; remainder 0 -> check 0, remainder 1 -> no valid number)."""
    if not re.fullmatch(r"[0-9]{9}", number):
        return False
    remainder = sum(int(d) * w for d, w in zip(number, ORGNR_WEIGHTS, strict=False)) % 11
    if remainder == 1:
        return False
    return int(number[8]) == (0 if remainder == 0 else 11 - remainder)


# --------------------------------------------------------------------------- SSB versions


@dataclass(frozen=True)
class Version:
    name: str
    iri: URIRef
    valid_from: date
    valid_to: date | None  # exclusive, as SSB publishes it
    items: dict[str, str]  # code -> name as published
    texts: tuple[str, ...]  # introduction, change log descriptions, item notes


def normalise_name(name: str) -> str:
    """SSB's name without padding or the county qualifier it added in 2022 ("Hof (Vestfold)")."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", name.strip())


def _iso(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


@cache
def ssb_versions() -> tuple[Version, ...]:
    """The copied versions of classification 131, oldest first."""
    versions = []
    for path in sorted(SSB_DIR.glob("Kommuneinndeling *.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        texts = [data.get("introduction") or ""]
        texts += [c.get("description") or "" for c in data.get("changelogs", [])]
        texts += [i.get("notes") or "" for i in data["classificationItems"]]
        versions.append(
            Version(
                name=data["name"],
                iri=URIRef(data["_links"]["self"]["href"]),
                valid_from=_iso(data["validFrom"]),
                valid_to=_iso(data.get("validTo")),
                items={i["code"]: i["name"] for i in data["classificationItems"]},
                texts=tuple(t for t in texts if t.strip()),
            )
        )
    return tuple(sorted(versions, key=lambda v: v.valid_from))


@cache
def ssb_catalogue() -> tuple[tuple[str, date], ...]:
    """(name, validFrom) of every version SSB lists in 131.json, copied or not."""
    data = json.loads((SSB_DIR / "131.json").read_text(encoding="utf-8"))
    return tuple(sorted(((v["name"], _iso(v["validFrom"])) for v in data["versions"]),
                        key=lambda p: p[1]))


def version_changes() -> list[tuple[Version, Version, dict[str, set | dict]]]:
    """Differences between consecutive copied versions: codes that disappear, appear, and
    codes whose (normalised) name changes."""
    out = []
    versions = ssb_versions()
    for old, new in zip(versions, versions[1:], strict=False):
        renamed = {
            code: (normalise_name(old.items[code]), normalise_name(new.items[code]))
            for code in old.items.keys() & new.items.keys()
            if normalise_name(old.items[code]) != normalise_name(new.items[code])
        }
        out.append((old, new, {
            "disappeared": set(old.items) - set(new.items),
            "appeared": set(new.items) - set(old.items),
            "renamed": renamed,
        }))
    return out


# --------------------------------------------------------------------------- SSB's sentences

_NAME = r"[A-ZÆØÅ][\wæøåÆØÅ-]*(?: [A-ZÆØÅ][\wæøåÆØÅ-]*)*(?: \([A-ZÆØÅ][\wæøå ]*\))?"
_MONTHS = ("januar februar mars april mai juni juli august september oktober november "
           "desember").split()
_FULL_DATE = re.compile(
    r"(\d{1,2})\.\s*(" + "|".join(_MONTHS) + r")\s+(\d{4})|(\d{1,2})\.(\d{1,2})\.\s*(\d{4})"
)
_YEAR = re.compile(r"I (\d{4})\b")
_CHAIN = re.compile(
    rf"(?:det meste av )?\d{{4}} {_NAME}(?:(?:, | og )(?:det meste av )?\d{{4}} {_NAME})+"
)
_MEMBER = re.compile(rf"(det meste av )?(\d{{4}}) ({_NAME})")
_SUCCESSOR = (
    re.compile(rf"\s*(?:en )?(ny kommune |nytt? )?(\d{{4}}) ({_NAME})"),
    re.compile(rf"\s*(?:en )?(ny kommune )({_NAME}) med kommunenummer (\d{{4}})"),
)
_RENAME = (
    re.compile(rf"navnet på (\d{{4}}) ({_NAME}) kommune endret til ({_NAME})"),
    re.compile(rf"(\d{{4}}) ({_NAME}) endret navn til (?:\d{{4}} )?({_NAME})"),
)
_COUNTY_MERGER = re.compile(
    r"I (\d{4}) ble ((?:\d{2} [A-ZÆØÅ][\wæøå]*(?:, | og ))+\d{2} [A-ZÆØÅ][\wæøå]*) "
    r"(?:ble )?slått sammen til (?:nytt fylke )?(\d{2}) "
)
_SENTENCE = re.compile(r"(?<=[\wæøå)])\.\s*(?=[A-ZÆØÅ]|\d{2}\.\d{2}\.|\d{2,4} [A-ZÆØÅ])|\n")


@dataclass
class TextEvent:
    kind: str  # "merger" | "rename"
    date: date
    exact: bool  # the text gives the day, not only the year
    predecessors: tuple[tuple[str, str, bool], ...]  # (code, name, partial)
    successor: tuple[str, str]  # (code, name)
    new: bool  # SSB says "ny kommune"
    sentences: list[str]
    sources: list[URIRef]


def _date_in(sentence: str, before: int) -> tuple[date, bool] | None:
    """The last date written before position ``before``: a full date if any, else 'I YYYY'
    (resolved to the first SSB version starting that year, else 1 January)."""
    full = [m for m in _FULL_DATE.finditer(sentence) if m.start() < before]
    if full:
        m = full[-1]
        if m.group(1):
            return date(int(m.group(3)), _MONTHS.index(m.group(2)) + 1, int(m.group(1))), True
        return date(int(m.group(6)), int(m.group(5)), int(m.group(4))), True
    years = [m for m in _YEAR.finditer(sentence) if m.start() < before]
    if not years:
        return None
    year = int(years[-1].group(1))
    starts = [d for _, d in ssb_catalogue() if d.year == year]
    return (min(starts) if starts else date(year, 1, 1)), False


def _sentences() -> Iterable[tuple[str, URIRef, str]]:
    """(sentence, version IRI, the text before it in the same note) for every SSB text."""
    seen = set()
    for version in ssb_versions():
        for text in version.texts:
            before = ""
            for sentence in _SENTENCE.split(text):
                sentence = re.sub(r"\s+", " ", sentence).strip()
                if sentence and (sentence, version.iri) not in seen:
                    seen.add((sentence, version.iri))
                    yield sentence, version.iri, before
                before += " " + sentence + "."


def _dated(sentence: str, before: str, position: int) -> tuple[date, bool] | None:
    """The date of a statement: written in its sentence, else the last date written earlier
    in the same note (SSB's notes are chronological: "I 2020 ble ... Samtidig ble ...")."""
    return _date_in(sentence, position) or (_date_in(before, len(before)) if before else None)


@cache
def text_events() -> tuple[TextEvent, ...]:
    """Mergers and renames as SSB's texts state them, one per (predecessors, successor)."""
    found: dict[tuple, TextEvent] = {}
    for sentence, source, before in _sentences():
        for match in re.finditer(r"slått sammen til", sentence):
            chains = [c for c in _CHAIN.finditer(sentence[: match.start()])]
            if not chains:
                continue
            preds = tuple((m.group(2), normalise_name(m.group(3)), bool(m.group(1)))
                          for m in _MEMBER.finditer(chains[-1].group(0)))
            rest = sentence[match.end():]
            m1, m2 = (p.match(rest) for p in _SUCCESSOR)
            if m2:
                succ, new = (m2.group(3), normalise_name(m2.group(2))), True
            elif m1:
                succ, new = (m1.group(2), normalise_name(m1.group(3))), bool(m1.group(1))
            else:
                continue
            when = _dated(sentence, before, match.start())
            if when:
                _add(found, "merger", preds, succ, new, when, sentence, source)
        for pattern in _RENAME:
            for m in pattern.finditer(sentence):
                when = _dated(sentence, before, len(sentence))
                if when:
                    preds = ((m.group(1), normalise_name(m.group(2)), False),)
                    succ = (m.group(1), normalise_name(m.group(3)))
                    _add(found, "rename", preds, succ, False, when, sentence, source)
    # a number of a county formed by a merger cannot be older than that county
    formed = {target: when for when, _, target, _, _ in county_mergers()}
    for event in found.values():
        start = formed.get(event.successor[0][:2])
        if start and event.date < start:
            event.date, event.exact = start, False
    return tuple(sorted(found.values(), key=lambda e: (e.date, e.successor)))


def _add(found, kind, preds, succ, new, when, sentence, source) -> None:
    key = (kind, frozenset(p[:2] for p in preds), succ)
    event = found.get(key)
    if event is None:
        found[key] = TextEvent(kind, when[0], when[1], preds, succ, new, [sentence], [source])
        return
    event.new = event.new or new
    # "det meste av" in any text marks the predecessor as partly merged
    event.predecessors = tuple((c, n, p or any(q[0] == c and q[2] for q in preds))
                               for c, n, p in event.predecessors)
    if when[1] and not event.exact:
        event.date, event.exact = when
    elif when[1] and event.exact and when[0] != event.date:
        raise RegistryError(f"SSB texts date {kind} -> {succ} both {event.date} and {when[0]}")
    if sentence not in event.sentences:
        event.sentences.append(sentence)
    if source not in event.sources:
        event.sources.append(source)


@cache
def county_mergers() -> tuple[tuple[date, frozenset[str], str, URIRef, str], ...]:
    """(date, merged county numbers, new county number, source, sentence) from SSB's notes."""
    out = {}
    for sentence, source, before in _sentences():
        for m in _COUNTY_MERGER.finditer(sentence):
            counties = frozenset(re.findall(r"\b(\d{2}) ", m.group(2)))
            when = _dated(sentence, before, m.end())[0]
            out.setdefault((when, counties, m.group(3)), (source, sentence))
    return tuple((d, c, t, s, txt) for (d, c, t), (s, txt) in sorted(out.items(),
                                                                      key=lambda x: x[0][0]))


# --------------------------------------------------------------------------- history


@dataclass
class NumberPeriod:
    number: str
    name: str
    begin: date | None
    end: date | None  # inclusive
    sources: list[URIRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def covers(self, day: date) -> bool:
        return (self.begin is None or self.begin <= day) and (self.end is None or day <= self.end)


@dataclass
class Municipality:
    key: int
    name: str
    numbers: list[NumberPeriod]
    begin: date | None = None
    end: date | None = None
    former_names: list[str] = field(default_factory=list)
    slug: str = ""
    note: str = ""

    def current(self) -> NumberPeriod | None:
        return next((p for p in reversed(self.numbers) if p.end is None), None)

    def alive(self, day: date) -> bool:
        return (self.begin is None or self.begin <= day) and (self.end is None or day <= self.end)


@dataclass
class ChangeEvent:
    kind: str
    date: date
    predecessors: list[Municipality]
    successors: list[Municipality]
    partial: list[Municipality]
    text: TextEvent


@dataclass
class History:
    municipalities: dict[str, Municipality]
    events: list[ChangeEvent]
    notes: dict[str, list[str]]  # slug -> what could not be linked, and why


def _core_municipalities() -> list[dict]:
    data = yaml.safe_load((INTERPRETATION_DIR / "agents.yaml").read_text(encoding="utf-8"))
    return data.get("municipalities", [])


def _core_organisations() -> list[dict]:
    data = yaml.safe_load((INTERPRETATION_DIR / "agents.yaml").read_text(encoding="utf-8"))
    return data.get("organisations", [])


@cache
def crosswalk_rows() -> tuple[dict[str, str], ...]:
    with CROSSWALK.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle, delimiter="\t"))


def _scope_codes(first: Version) -> set[str]:
    """Codes in the earliest copied version of the municipalities the core names (preferring
    Vestfold's 07xx when a name is ambiguous), plus their merger partners and successors."""
    codes = set()
    for entry in _core_municipalities():
        matches = [c for c, n in first.items.items() if normalise_name(n) == entry["name"]]
        if not matches:  # the core may use today's name (Horten; Borre in 1995)
            matches = [c for v in ssb_versions() for c, n in v.items.items()
                       if normalise_name(n) == entry["name"]]
        vestfold = sorted({c for c in matches if c.startswith("07")})
        chosen = vestfold or sorted(set(matches))
        if len(chosen) == 1:
            codes.add(chosen[0])
    changed = True
    while changed:
        changed = False
        for event in text_events():
            pred_codes = {p[0] for p in event.predecessors}
            if event.kind == "merger" and pred_codes & codes and event.date >= first.valid_from:
                new = pred_codes | {event.successor[0]}
                if not new <= codes:
                    codes |= new
                    changed = True
    return codes


@cache
def history() -> History:
    """Derive the municipalities in scope, their numbers and names over time, and the events."""
    versions = ssb_versions()
    first, last = versions[0], versions[-1]
    coverage_end = last.valid_to  # the copies say nothing from this day on
    scope = _scope_codes(first)
    keys = iter(range(10_000))
    holders: dict[str, Municipality] = {}
    for code in sorted(scope & set(first.items)):
        name = normalise_name(first.items[code])
        period = NumberPeriod(code, name, None, None, [first.iri])
        holders[code] = Municipality(next(keys), name, [period])
    # mergers before the earliest copy only date the creation of a number
    for event in text_events():
        if event.kind == "merger" and event.date < first.valid_from:
            holder = holders.get(event.successor[0])
            if holder and holder.numbers[0].name == event.successor[1]:
                holder.begin = holder.numbers[0].begin = event.date
                holder.numbers[0].sources += event.sources
                holder.numbers[0].notes.append("begin: SSB note: " + event.sentences[0])
    municipalities = list(holders.values())
    events: list[ChangeEvent] = []
    notes: dict[int, list[str]] = {}

    def close(code: str, day: date, sources: list[URIRef], note: str) -> Municipality:
        holder = holders.pop(code)
        period = holder.current()
        period.end = day - ONE_DAY
        period.sources += [s for s in sources if s not in period.sources]
        period.notes.append(note)
        return holder

    county_changes = {(d, c) for d, cs, _, _, _ in county_mergers() for c in cs}
    for event in text_events():
        if event.date < first.valid_from or event.kind == "rename" and event.successor[0] \
                not in holders:
            continue
        pred_codes = [p[0] for p in event.predecessors]
        if not set(pred_codes) & scope or not all(c in holders for c in pred_codes):
            continue
        sentence = min(event.sentences, key=len)
        note = f"end: SSB {event.kind} sentence: {sentence}"
        preds = [holders[c] for c in pred_codes]
        code, name = event.successor
        if event.kind == "rename":
            holder = close(code, event.date, event.sources, note)
            holder.former_names.append(holder.name)
            holder.name = name
            holder.numbers.append(NumberPeriod(code, name, event.date, None, list(event.sources),
                                               ["begin: SSB rename sentence: " + sentence]))
            holders[code] = holder
            events.append(ChangeEvent("rename", event.date, [holder], [holder], [], event))
            continue
        same_name = [p for p in preds if p.name == name]
        keeps = len(same_name) == 1 and not event.new and (
            same_name[0].current().number == code
            or (same_name[0].current().number[:2] != code[:2]
                and (event.date, same_name[0].current().number[:2]) in county_changes)
        )
        for c in pred_codes:
            close(c, event.date, event.sources, note)
        if keeps:
            successor = same_name[0]
        else:
            successor = Municipality(next(keys), name, [], begin=event.date)
            municipalities.append(successor)
        for p in preds:
            if p is not successor:
                p.end = event.date - ONE_DAY
        successor.numbers.append(NumberPeriod(code, name, event.date, None, list(event.sources),
                                              ["begin: SSB merger sentence: " + sentence]))
        holders[code] = successor
        partial = [holders_p for holders_p, (_, _, part) in zip(preds, event.predecessors,
                                                               strict=True) if part]
        events.append(ChangeEvent("merger", event.date, preds, [successor], partial, event))

    _check_against_versions(municipalities, scope)

    # county renumbering after the copies end (SSB notes), then the crosswalk's numbers
    for when, counties, target, source, sentence in county_mergers():
        if coverage_end is None or when < coverage_end:
            continue
        for code in [c for c in holders if c[:2] in counties]:
            holder = close(code, when, [source],
                           f"end: SSB note: county {code[:2]} merged into {target} "
                           f"({sentence}); the municipality was renumbered")
            holders[code] = holder  # still alive, number unknown until the crosswalk says
            holder.numbers.append(NumberPeriod("", holder.name, when, None))
    _apply_crosswalk_numbers(municipalities, coverage_end, notes)
    for m in municipalities:
        placeholder = [p for p in m.numbers if not p.number]
        for p in placeholder:
            m.numbers.remove(p)
            notes.setdefault(m.key, []).append(
                f"its municipality number from {p.begin} is in neither the copied SSB versions "
                "nor crosswalk.tsv")

    _assign_slugs(municipalities)
    return History(
        municipalities={m.slug: m for m in municipalities},
        events=events,
        notes={m.slug: notes.get(m.key, []) for m in municipalities},
    )


def _check_against_versions(municipalities: list[Municipality], scope: set[str]) -> None:
    """Every copied version must list exactly the in-scope codes and names the history says
    were valid on its first day; the consecutive-version differences are thereby explained."""
    for version in ssb_versions():
        expected = {p.number: p.name for m in municipalities for p in m.numbers
                    if p.covers(version.valid_from) and p.number}
        actual = {c: normalise_name(n) for c, n in version.items.items() if c in scope}
        for m in municipalities:
            for p in m.numbers:
                if p.covers(version.valid_from) and actual.get(p.number) == p.name \
                        and version.iri not in p.sources:
                    p.sources.append(version.iri)
        if expected != actual:
            raise RegistryError(
                f"{version.name}: SSB lists {sorted(actual.items())} but the derived history "
                f"says {sorted(expected.items())}; a change between versions is not explained "
                "by SSB's texts")


def _crosswalk_date(text: str) -> date | None:
    m = re.match(r"\d{4}-\d{2}-\d{2}", text.strip())
    return date.fromisoformat(m.group(0)) if m else None


def _crosswalk_year(text: str) -> int | None:
    """A validity bound crosswalk.tsv gives as a year only ("2002": the health trust was
    formed that year, its day not given): kept as a year, never padded to a made-up day."""
    m = re.fullmatch(r"(\d{4})(?: \(.*\))?", text.strip())
    return int(m.group(1)) if m else None


def _apply_crosswalk_numbers(municipalities, coverage_end, notes) -> None:
    """Numbers valid after the copied SSB versions, from crosswalk.tsv (files silent)."""
    rows = [r for r in crosswalk_rows() if r["identifier_kind"] == "kommunenummer"
            and _crosswalk_date(r["valid_from"]) and coverage_end
            and _crosswalk_date(r["valid_from"]) >= coverage_end]
    for row in sorted(rows, key=lambda r: _crosswalk_date(r["valid_from"])):
        start, end = _crosswalk_date(row["valid_from"]), _crosswalk_date(row["valid_to"])
        name = normalise_name(row["name"])
        alive = [m for m in municipalities if m.name == name and m.alive(start)]
        if len(alive) != 1:
            continue
        holder = alive[0]
        comment = f"crosswalk.tsv: {row['source']}"
        existing = next((p for p in holder.numbers if p.number == row["identifier_value"]), None)
        if existing:
            if existing.end is None and end:
                existing.end = end
                existing.notes.append("end: crosswalk.tsv valid_to (SSB copies end 2019)")
            existing.sources.append(CROSSWALK_IRI)
            existing.notes.append(comment)
            continue
        for p in [p for p in holder.numbers if p.end is None and not p.number]:
            holder.numbers.remove(p)
        for p in holder.numbers:
            if p.end is None:
                p.end = start - ONE_DAY
                p.notes.append("end: the next number's crosswalk.tsv valid_from")
        holder.numbers.append(NumberPeriod(
            row["identifier_value"], holder.name, start, end, [CROSSWALK_IRI],
            ["begin and end: crosswalk.tsv valid_from / valid_to (not in the copied SSB "
             "versions)", comment]))


def _assign_slugs(municipalities: list[Municipality]) -> None:
    by_slug: dict[str, list[Municipality]] = {}
    for m in municipalities:
        by_slug.setdefault(slugify(m.name), []).append(m)
    for slug, group in by_slug.items():
        group.sort(key=lambda m: m.begin or date.min)
        for index, m in enumerate(group):
            m.slug = slug if index == 0 else f"{slug}-{m.begin.year}"


def municipality_validity() -> dict[str, tuple[date | None, date | None]]:
    """slug -> (first day, last day) the municipality existed; None where the copies do not
    establish it (a None start means: it existed at least from the earliest copied version,
    1995-01-01; a None end: it still exists)."""
    return {slug: (m.begin, m.end) for slug, m in history().municipalities.items()}


# --------------------------------------------------------------------------- graph


def _municipality_iri(m: Municipality) -> URIRef:
    return iri("municipality", m.slug)


def _number_iri(period: NumberPeriod) -> URIRef:
    return iri("identifier", "kommunenummer", period.number, slugify(period.name))


def _period(graph: Graph, node: URIRef, begin: date | int | None,
            end: date | int | None) -> None:
    """A validity interval: bounds known to the day as a dcterms:PeriodOfTime (DCAT), a bound
    known to the year only as nk:startYear / nk:endYear on the identifier itself (DCAT-AP-NO
    wants dates in a period, and no day is made up)."""
    for prop, bound in ((NK.startYear, begin), (NK.endYear, end)):
        if isinstance(bound, int):
            graph.add((node, prop, Literal(f"{bound:04d}", datatype=XSD.gYear)))
    begin = None if isinstance(begin, int) else begin
    end = None if isinstance(end, int) else end
    if begin is None and end is None:
        return
    period = URIRef(str(node) + "/period")
    graph.add((node, DCTERMS.temporal, period))
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    if begin:
        graph.add((period, DCAT.startDate, Literal(begin, datatype=XSD.date)))
    if end:
        graph.add((period, DCAT.endDate, Literal(end, datatype=XSD.date)))


def _counties() -> dict[str, dict[str, str]]:
    """County number -> crosswalk rows (fylkesnummer row, optional Wikidata row)."""
    out: dict[str, dict[str, str]] = {}
    rows = crosswalk_rows()
    for row in rows:
        if row["identifier_kind"] == "fylkesnummer":
            out[row["identifier_value"]] = {"row": row}
    for row in rows:
        if row["identifier_kind"] == "Wikidata QID" and row["type"].startswith("county"):
            for number, entry in out.items():
                if entry["row"]["entity"] == row["entity"]:
                    out[number]["wikidata"] = row
    return out


def _wikidata_links(h: History) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """slug -> (QID, crosswalk source) for the items whose every (number, year) evidence points
    to one entity; and the rejected items with reasons."""
    links, rejected = {}, {}
    for row in crosswalk_rows():
        if row["identifier_kind"] != "Wikidata QID" or row["type"] != "municipality":
            continue
        m = re.search(r"P2504=(.*?) in ", row["source"])
        if not m:
            if _single_source(row):
                continue  # a candidate only: wikidata_candidates()
            # verified by more than one source without the number (ROR, Who's On First):
            # the one entity of that name, whose successor is the one the source names
            owners = {slug for slug, mun in h.municipalities.items()
                      if mun.name == normalise_name(row["name"])}
            successor = re.search(r"successor ([A-ZÆØÅ][\wæøå]+) Kommune", row["source"])
            if successor:
                owners = {slug for slug in owners if any(
                    e.successors[0].name == successor.group(1) for e in h.events
                    if e.kind == "merger" and h.municipalities[slug] in e.predecessors)}
            if len(owners) == 1:
                links[owners.pop()] = (row["identifier_value"], row["source"])
            else:
                rejected[row["identifier_value"]] = (
                    f"{row['name']}: no single entity of that name and successor")
            continue
        owners = set()
        for number, years in re.findall(r"(\d{4}) \(([^)]*)\)", m.group(1)):
            for year in re.findall(r"\b(\d{4})\b", years.split(";")[0]):
                y = int(year)
                owners |= {
                    slug for slug, mun in h.municipalities.items() for p in mun.numbers
                    if p.number == number
                    and p.covers(date(y, 12, 31)) | p.covers(date(y, 1, 1))
                }
        if len(owners) == 1:
            links[owners.pop()] = (row["identifier_value"], row["source"])
        else:
            rejected[row["identifier_value"]] = (
                f"{row['name']}: the numbers the item carried belong to {sorted(owners) or 'no'}"
                " entity of this graph")
    return links, rejected


# crosswalk.tsv entities under a registry name the source does not write, and the core
# organisation they are: the source's "SIV" / "Sykehuset i Vestfold" is the hospital that has
# been the health trust Sykehuset i Vestfold HF since 2002 (crosswalk: "formed in 2002 (health
# reform)"); the number is the trust's, and its comment says so.
CROSSWALK_ALIASES = {"Sykehuset i Vestfold HF": "siv"}


@dataclass(frozen=True)
class WikidataCandidate:
    """A Wikidata item one public source associates with an entity: linked by rdfs:seeAlso
    with this evidence, never by owl:sameAs (see :func:`wikidata_candidates`)."""

    subject: URIRef
    item: str
    number: str  # the municipality number the source record carries ("" if none)
    row: dict[str, str]


def _single_source(row: dict[str, str]) -> bool:
    return "single source" in row["source"].lower()


@cache
def wikidata_candidates() -> tuple[WikidataCandidate, ...]:
    """Municipality items crosswalk.tsv marks as seen in a single source. Each is checked: the
    municipality number the record carries ("*NO0719") must be one the entity held."""
    h = history()
    found = []
    for row in crosswalk_rows():
        if row["identifier_kind"] != "Wikidata QID" or row["type"] != "municipality" \
                or not _single_source(row):
            continue
        code = re.search(r"\*NO(\d{4})", row["source"])
        owners = {slug for slug, m in h.municipalities.items()
                  if m.name == normalise_name(row["name"])
                  and (code is None or any(p.number == code.group(1) for p in m.numbers))}
        if len(owners) != 1:
            raise RegistryError(f"crosswalk.tsv: candidate {row['identifier_value']} "
                                f"({row['name']}) matches {sorted(owners) or 'no'} entity")
        found.append(WikidataCandidate(iri("municipality", owners.pop()),
                                       row["identifier_value"], code.group(1) if code else "",
                                       row))
    return tuple(found)


ItemLink = tuple[URIRef, str, dict]  # (organisation, QID, crosswalk row)


def organisation_wikidata() -> tuple[list[ItemLink], list[ItemLink]]:
    """Wikidata items of the core's organisations in crosswalk.tsv: (organisation, QID, row)
    for the item of the organisation itself (owl:sameAs), and for the item of its successor
    ("successor of Høgskolen i Vestfold": dcterms:isReplacedBy)."""
    org_names = {name: org["id"] for org in _core_organisations()
                 for name in [org["name"], *org.get("names", [])]}
    same, successors = [], []
    for row in crosswalk_rows():
        if row["identifier_kind"] != "Wikidata QID" or row["type"] in ("municipality",) \
                or row["type"].startswith(("county", "class", "property")):
            continue
        successor_of = re.search(r"successor of ([^)]+)\)", row["type"])
        if successor_of and successor_of.group(1) in org_names:
            successors.append((iri("organisation", org_names[successor_of.group(1)]),
                               row["identifier_value"], row))
        elif row["entity"] in org_names and not _single_source(row):
            same.append((iri("organisation", org_names[row["entity"]]),
                         row["identifier_value"], row))
    return same, successors


@dataclass(frozen=True)
class OrgNumber:
    subject: URIRef
    number: str
    begin: date | int | None  # an int is a year (the source gives no day)
    end: date | int | None
    row: dict[str, str]


@cache
def organisation_numbers() -> tuple[tuple[OrgNumber, ...], tuple[tuple[dict, str], ...]]:
    """Organisation numbers from crosswalk.tsv attached to an entity, and rows not attached
    with the reason (unverified attribution, or no such entity in the graph)."""
    h = history()
    attached, skipped = [], []
    org_names = {}
    for org in _core_organisations():
        for name in [org["name"], *org.get("names", [])]:
            org_names.setdefault(name, org["id"])
    org_names.update(CROSSWALK_ALIASES)
    for row in crosswalk_rows():
        if row["identifier_kind"] != "organisasjonsnummer":
            continue
        number = row["identifier_value"]
        if not valid_organisation_number(number):
            raise RegistryError(f"crosswalk.tsv: {number} ({row['entity']}) fails modulus 11")
        text = f"{row['entity']} {row['source']}".lower()
        if "not verified" in text or "inference" in text:
            skipped.append((row, "its attribution is marked unverified in crosswalk.tsv"))
            continue
        begin = _crosswalk_date(row["valid_from"]) or _crosswalk_year(row["valid_from"])
        end = _crosswalk_date(row["valid_to"]) or _crosswalk_year(row["valid_to"])
        if "municipal authority" in row["type"]:
            label = row["entity"]
            if m := re.search(r"pre-(\d{4})", label):
                end = date(int(m.group(1)) - 1, 12, 31)
            if m := re.search(r"from (\d{4})", label):
                begin = date(int(m.group(1)), 1, 1)
            bare = re.sub(r"(pre-|from )\d{4}", "", label)
            codes = re.findall(r"\b(\d{4})\b", bare) or re.findall(r"-> (\d{4})", row["source"])
            owners = {s for s, mun in h.municipalities.items() for p in mun.numbers
                      if p.number in codes}
            if not codes:
                name = normalise_name(re.sub(r" kommune\b", "", label))
                owners = {s for s, mun in h.municipalities.items() if mun.name == name}
            if len(owners) != 1:
                skipped.append((row, f"no single municipality matches ({sorted(owners)})"))
                continue
            owner = owners.pop()
            subject = iri("municipality", owner)
            if end is None and h.municipalities[owner].end is not None:
                # the number of a municipal authority cannot outlast its municipality: its
                # validity ends with the municipality (SSB's end date, not crosswalk.tsv's)
                end = h.municipalities[owner].end
        elif row["entity"] in org_names:
            subject = iri("organisation", org_names[row["entity"]])
        else:
            skipped.append((row, "not an entity of the graph"))
            continue
        attached.append(OrgNumber(subject, number, begin, end, row))
    return tuple(attached), tuple(skipped)


def _describe_sources(graph: Graph) -> None:
    for version in ssb_versions():
        graph.add((version.iri, RDFS.label, Literal(f"SSB Klass 131: {version.name}", lang="nb")))
        graph.add((version.iri, DCTERMS.isVersionOf, SSB_CLASSIFICATION))
        graph.add((version.iri, DCTERMS.publisher, Literal(SSB)))
        graph.add((version.iri, DCTERMS.license, NLOD))
        graph.add((version.iri, DCTERMS.license, CC_BY))
    graph.add((SSB_CLASSIFICATION, RDFS.label,
               Literal("Standard for kommuneinndeling (SSB Klass 131)", lang="nb")))
    graph.add((SSB_CLASSIFICATION, DCTERMS.publisher, Literal(SSB)))
    graph.add((CROSSWALK_IRI, RDFS.label, Literal(
        "crosswalk.tsv: verified registry identifiers with their sources", lang="en")))
    graph.add((CROSSWALK_IRI, DCTERMS.description, Literal(
        "data/registries/crosswalk.tsv: every value was seen in the public source named in its "
        "row (see data/registries/SOURCE.md)", lang="en")))


@cache
def _registry_graph() -> Graph:
    h = history()
    graph = bind_prefixes(Graph())
    _describe_sources(graph)
    counties = _counties()
    scheme = iri("scheme", "fylkesinndeling")
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, SKOS.prefLabel, Literal("Fylkesinndeling (fylkesnummer)", lang="nb")))
    graph.add((scheme, SKOS.prefLabel, Literal("County division (county numbers)", lang="en")))
    for number, entry in counties.items():
        row, county = entry["row"], iri("concept", "fylke", number)
        graph.add((county, RDF.type, SKOS.Concept))
        graph.add((county, SKOS.inScheme, scheme))
        graph.add((county, SKOS.notation, Literal(number)))
        graph.add((county, SKOS.prefLabel, Literal(row["name"], lang="nb")))
        graph.add((county, RDFS.label, Literal(f"{row['name']} ({number})", lang="nb")))
        graph.add((county, DCTERMS.source, CROSSWALK_IRI))
        _period(graph, county, _crosswalk_date(row["valid_from"]),
                _crosswalk_date(row["valid_to"]))
        if "wikidata" in entry:
            graph.add((county, SKOS.exactMatch, WD[entry["wikidata"]["identifier_value"]]))

    wikidata, _ = _wikidata_links(h)
    for slug, m in h.municipalities.items():
        subject = _municipality_iri(m)
        graph.add((subject, RDF.type, ORG.Organization))
        graph.add((subject, RDF.type, NK.Municipality))
        graph.add((subject, FOAF.name, Literal(m.name)))
        graph.add((subject, RDFS.label, Literal(m.name, lang="nb")))
        graph.add((subject, SKOS.prefLabel, Literal(m.name, lang="nb")))
        for former in m.former_names:
            graph.add((subject, SKOS.altLabel, Literal(former, lang="nb")))
        for period in m.numbers:
            node = _number_iri(period)
            graph.add((subject, ADMS.identifier, node))
            graph.add((node, RDF.type, ADMS.Identifier))
            graph.add((node, RDF.type, NK.MunicipalityNumber))
            graph.add((node, SKOS.notation, Literal(period.number, datatype=NK.kommunenummer)))
            graph.add((node, NK.registeredName, Literal(period.name, lang="nb")))
            graph.add((node, ADMS.schemaAgency, Literal(SSB)))
            graph.add((node, RDFS.label, Literal(f"kommunenummer {period.number} "
                                                  f"{period.name}", lang="nb")))
            for source in dict.fromkeys(period.sources):
                graph.add((node, DCTERMS.source, source))
            for note in dict.fromkeys(period.notes):
                graph.add((node, RDFS.comment, Literal(note, lang="nb" if "SSB" in note
                                                       else "en")))
            _period(graph, node, period.begin, period.end)
            if period.number[:2] in counties:
                graph.add((subject, NK.county, iri("concept", "fylke", period.number[:2])))
        if slug in wikidata:
            graph.add((subject, OWL.sameAs, WD[wikidata[slug][0]]))
    _add_candidates(graph)
    same, successors = organisation_wikidata()
    for subject, qid, _row in same:
        graph.add((subject, OWL.sameAs, WD[qid]))
    for subject, qid, row in successors:
        graph.add((subject, DCTERMS.isReplacedBy, WD[qid]))
        graph.add((subject, RDFS.comment, Literal(
            f"Replaced by {row['name']} ({WD[qid]}): crosswalk.tsv, {row['source']}. Not the "
            "same organisation, so not owl:sameAs.", lang="en")))

    for event in h.events:
        successor = event.successors[0]
        node = iri("event", event.kind, event.date.isoformat(), successor.slug)
        graph.add((node, RDF.type, ORG.ChangeEvent))
        graph.add((node, RDF.type, NK.Merger if event.kind == "merger" else NK.Rename))
        graph.add((node, DCTERMS.date, Literal(event.date, datatype=XSD.date)))
        before = " + ".join(name for _, name, _ in event.text.predecessors)
        after = event.text.successor[1]
        nb, en = ("Sammenslåing", "Merger") if event.kind == "merger" else ("Navneendring",
                                                                             "Rename")
        when = event.date.isoformat()
        graph.add((node, RDFS.label, Literal(f"{nb}: {before} -> {after} ({when})", lang="nb")))
        graph.add((node, RDFS.label, Literal(f"{en}: {before} -> {after} ({when})", lang="en")))
        graph.add((node, DCTERMS.description,
                   Literal(min(event.text.sentences, key=len), lang="nb")))
        for source in event.text.sources:
            graph.add((node, DCTERMS.source, source))
        for p in event.predecessors:
            graph.add((node, ORG.originalOrganization, _municipality_iri(p)))
        for s in event.successors:
            graph.add((node, ORG.resultingOrganization, _municipality_iri(s)))
            if s not in event.predecessors:
                graph.add((_municipality_iri(s), ORG.resultedFrom, node))
            for p in event.predecessors:
                graph.add((_municipality_iri(p), ORG.changedBy, node))
                if p is not s:
                    graph.add((_municipality_iri(p), NK.successor, _municipality_iri(s)))
                    graph.add((_municipality_iri(s), NK.predecessor, _municipality_iri(p)))

    attached, _ = organisation_numbers()
    for org in attached:
        node = iri("identifier", "organisasjonsnummer", org.number)
        graph.add((org.subject, ADMS.identifier, node))
        graph.add((node, RDF.type, ADMS.Identifier))
        graph.add((node, RDF.type, NK.OrganisationNumber))
        graph.add((node, SKOS.notation, Literal(org.number, datatype=NK.organisasjonsnummer)))
        graph.add((node, ADMS.schemaAgency, Literal(BRREG)))
        graph.add((node, RDFS.label, Literal(f"organisasjonsnummer {org.number}", lang="nb")))
        graph.add((node, DCTERMS.source, CROSSWALK_IRI))
        graph.add((node, RDFS.comment, Literal(f"crosswalk.tsv: {org.row['source']}", lang="en")))
        if org.row["entity"] in CROSSWALK_ALIASES:
            graph.add((node, RDFS.comment, Literal(
                f"The number of {org.row['entity']}, the health trust the hospital has been "
                "since 2002 (its validity starts in 2002, a year: crosswalk.tsv gives no "
                "day); it does not apply to the county-run hospital before 2002.",
                lang="en")))
        _period(graph, node, org.begin, org.end)
    return graph


def _add_candidates(graph: Graph) -> None:
    """Single-source Wikidata items: ``rdfs:seeAlso`` from the entity, and an
    nk:CandidateMatch node that says why it is no more than that. owl:sameAs would make every
    statement of the item a statement about our entity on the word of one record (Stokke's
    may be the village, not the municipality); skos:closeMatch is defined between SKOS
    concepts, which a municipality is not."""
    for candidate in wikidata_candidates():
        item = WD[candidate.item]
        slug = str(candidate.subject).rsplit("/", 1)[1]
        node = iri("link", "wikidata", slug)
        graph.add((candidate.subject, RDFS.seeAlso, item))
        graph.add((node, RDF.type, NK.CandidateMatch))
        graph.add((node, NK.fromEntity, candidate.subject))
        graph.add((node, NK.toEntity, item))
        graph.add((node, NK.sourceCount, Literal(1)))
        graph.add((node, DCTERMS.source, CROSSWALK_IRI))
        if candidate.number:
            graph.add((node, NK.matchedNumber, Literal(candidate.number,
                                                       datatype=NK.kommunenummer)))
        graph.add((node, RDFS.label, Literal(
            f"Wikidata candidate {candidate.item} for {candidate.row['name']}", lang="en")))
        graph.add((node, RDFS.comment, Literal(
            f"Seen in one public source only (crosswalk.tsv: {candidate.row['source']}); "
            "linked by rdfs:seeAlso, not owl:sameAs, until a second source confirms it.",
            lang="en")))


def registry_graph() -> Graph:
    """All registry triples: municipalities in scope with labels, numbers over time, county,
    Wikidata items, events and successor links; organisation numbers of the municipal
    authorities and organisations crosswalk.tsv verifies. A fresh copy each call."""
    graph = bind_prefixes(Graph())
    for triple in _registry_graph():
        graph.add(triple)
    return graph


LINKSETS = (
    # (slug, target dataset slug, label, link predicate, identifier class or None)
    ("ssb-kommunenummer", "ssb-klass-131", "SSB municipality numbers (Klass 131)",
     ADMS.identifier, NK.MunicipalityNumber),
    ("enhetsregisteret", "enhetsregisteret", "Enhetsregisteret organisation numbers",
     ADMS.identifier, NK.OrganisationNumber),
    ("wikidata", "wikidata", "Wikidata items (owl:sameAs)", OWL.sameAs, None),
    ("wikidata-concepts", "wikidata", "Wikidata items of counties (skos:exactMatch)",
     SKOS.exactMatch, None),
    ("wikidata-candidates", "wikidata",
     "Wikidata items seen in one source only (rdfs:seeAlso, see nk:CandidateMatch)",
     RDFS.seeAlso, None),
    ("wikidata-successors", "wikidata", "Wikidata items of successor organisations "
     "(dcterms:isReplacedBy)", DCTERMS.isReplacedBy, None),
)
TARGETS = {
    "ssb-klass-131": ("Statistisk sentralbyrå (SSB): Standard for kommuneinndeling",
                      URIRef("https://www.ssb.no/klass/klassifikasjoner/131")),
    "enhetsregisteret": ("Enhetsregisteret (Brønnøysundregistrene)",
                         URIRef("https://www.brreg.no/")),
    "wikidata": ("Wikidata", URIRef("https://www.wikidata.org/")),
}


def void_linksets(dataset: URIRef, graph: Graph | None = None) -> Graph:
    """VoID (§4 "Linksets") descriptions of the links from ``dataset`` to each registry, with
    ``void:triples`` counting the links in ``graph`` (default: :func:`registry_graph`)."""
    source = graph if graph is not None else _registry_graph()
    out = bind_prefixes(Graph())
    for slug, target_slug, label, predicate, cls in LINKSETS:
        if cls is not None:
            count = sum(1 for _, _, node in source.triples((None, predicate, None))
                        if (node, RDF.type, cls) in source)
        else:  # links to the target's items only (rdfs:seeAlso has other uses)
            count = sum(1 for _, _, o in source.triples((None, predicate, None))
                        if str(o).startswith(str(WD)))
        linkset, target = iri("dataset", "linkset", slug), iri("dataset", target_slug)
        out.add((dataset, VOID.subset, linkset))
        out.add((linkset, RDF.type, VOID.Linkset))
        out.add((linkset, RDFS.label, Literal(label, lang="en")))
        out.add((linkset, VOID.subjectsTarget, dataset))
        out.add((linkset, VOID.objectsTarget, target))
        out.add((linkset, VOID.linkPredicate, predicate))
        out.add((linkset, VOID.triples, Literal(count)))
        title, homepage = TARGETS[target_slug]
        out.add((target, RDF.type, VOID.Dataset))
        out.add((target, DCTERMS.title, Literal(title)))
        out.add((target, FOAF.homepage, homepage))
    return out


# Why an organisation of the core has no number (README "Not verified" and crosswalk notes).
_ORG_REASONS = {
    "shd": "983887406 in crosswalk.tsv is Helse- og omsorgsdepartementet's (successor of part "
           "of SHD), not SHD's; SHD's own number is not verified",
    "uninett-abc": "a programme of UNINETT, not shown as a registered unit; not verified",
    "hoykom": "a state programme run by Norges forskningsråd, not a registered unit of its own",
    "9k": "the cooperation itself; no registered unit verified",
    "9k-plangruppe": "a working group of the cooperation, not a registered unit",
    "fylkeskommunal-plangruppe": "a working group of the county authority, not a registered "
                                 "unit",
    "nmt-tonsberg": "an inter-municipal food-safety authority that merged with the other "
                    "into one (line 28, which gives no date); no organisation number in "
                    "crosswalk.tsv",
    "nmt-nordre-vestfold": "an inter-municipal food-safety authority that merged with the other "
                           "into one (line 28, which gives no date); no organisation number in "
                           "crosswalk.tsv",
}


# The registries an entity can lack a link to, in the order the data-quality page lists them.
REGISTRIES = ("ssb", "enhetsregisteret", "wikidata")


def missing_links() -> list[tuple[URIRef, str, str]]:
    """One entry per entity and registry it lacks a verified link to: (entity, registry,
    reason), the registry one of :data:`REGISTRIES`. Municipalities are checked against all
    three (SSB's municipality number, the organisation number of the municipal authority, a
    Wikidata item); the core's organisations against the Central Coordinating Register only
    (crosswalk.tsv covers Wikidata items for few organisations)."""
    h = history()
    graph = _registry_graph()
    out = []
    for slug, m in sorted(h.municipalities.items()):
        subject = iri("municipality", slug)
        for note in h.notes.get(slug, []):  # numbers SSB's copies and crosswalk.tsv lack
            out.append((subject, "ssb", note))
        candidate = next((c for c in wikidata_candidates() if c.subject == subject), None)
        if (subject, OWL.sameAs, None) not in graph and candidate is not None:
            out.append((subject, "wikidata",
                        f"only a single-source Wikidata candidate ({candidate.item}, "
                        "rdfs:seeAlso), not verified by a second source"))
        elif (subject, OWL.sameAs, None) not in graph:
            out.append((subject, "wikidata",
                        "no Wikidata item verified (README: items of dissolved and pre-merger "
                        "municipalities are not verified)" if m.end else
                        "crosswalk.tsv names no Wikidata item for it"))
        if not any((node, RDF.type, NK.OrganisationNumber) in graph
                   for node in graph.objects(subject, ADMS.identifier)):
            out.append((subject, "enhetsregisteret",
                        "no organisation number of its municipal authority verified in "
                        "crosswalk.tsv"))
    if "baerum" not in h.municipalities:
        out.append((iri("municipality", "baerum"), "ssb",
                    "its number is not in the copied SSB files"))
    for org in _core_organisations():
        subject = iri("organisation", org["id"])
        if (subject, ADMS.identifier, None) in graph:
            continue
        reason = _ORG_REASONS.get(
            org["id"], "no organisation number in crosswalk.tsv (README lists it as not "
            "verified, or it is not covered)")
        out.append((subject, "enhetsregisteret", reason))
    return out


def unlinked() -> list[tuple[URIRef, str]]:
    """Entities that lack a verified link to at least one registry, with the reasons joined
    (one entry per entity; :func:`missing_links` says which registry each reason is for)."""
    reasons: dict[URIRef, list[str]] = {}
    for subject, _registry, reason in missing_links():
        reasons.setdefault(subject, []).append(reason)
    return [(subject, "; ".join(texts)) for subject, texts in reasons.items()]


def write_turtle(path: Path) -> None:
    """Write :func:`registry_graph` as Turtle (for inspection)."""
    registry_graph().serialize(path, format="turtle")
