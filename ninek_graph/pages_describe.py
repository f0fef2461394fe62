"""What an entity's page and its RDF say: the description query and the page model.

The RDF of an entity (the document behind ``/project/geodata.ttl`` and the rows of its page)
is one SPARQL CONSTRUCT run through the application's back-end: the entity's outgoing
triples, the triples of the nodes that only exist to qualify it (its ``prov:qualifiedAssociation``
participations, its ``schema:amount``, ``dcterms:temporal`` and ``org:memberDuring`` nodes and
every hash IRI under its own IRI, such as ``…/grant/x#amount``), and every incoming triple (so
a municipality's RDF lists the participations that point at it). Labels and details of the
neighbours a page links to come from :mod:`.pages_index`.

The page model is plain dictionaries; the templates escape every string from the data.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .backend import Term
from .execute import Request, run
from .namespaces import BASE
from .pages_i18n import PREDICATES, predicate_label, translate
from .pages_index import (
    ADMS,
    DCAT,
    DCT,
    NK,
    ORG,
    OWL,
    PROV,
    RDF_TYPE,
    RDFS,
    SCHEMA,
    SKOS,
    GraphIndex,
    short_iri,
)

DCT_SOURCE = DCT + "source"
# How a statement points at its source line: dcterms:source for projects and work areas
# (they are prov:Activity), prov:wasDerivedFrom for everything else.
SOURCE_LINKS = (PROV + "wasDerivedFrom", DCT_SOURCE)

DESCRIBE_QUERY = """\
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
CONSTRUCT { ?e ?p ?o . ?n ?np ?no . ?h ?hp ?ho . ?s ?sp ?e . }
WHERE {
  { ?e ?p ?o }
  UNION { ?e prov:qualifiedAssociation|schema:amount|dcterms:temporal|org:memberDuring ?n .
          ?n ?np ?no }
  UNION { ?h ?hp ?ho . FILTER(STRSTARTS(STR(?h), CONCAT(STR(?e), "#"))) }
  UNION { ?s ?sp ?e }
}"""

ONTOLOGY_QUERY = """\
CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/ninek/def> { ?s ?p ?o } }"""

FIRST_YEAR, LAST_YEAR = 1998, 2005


def describe(iri: str):
    """The entity's RDF as a QueryOutcome (CONSTRUCT) from the application's store."""
    return run(Request(DESCRIBE_QUERY, (("e", Term("uri", iri)),)))


def describe_ontology():
    return run(Request(ONTOLOGY_QUERY))


# --- formatting ------------------------------------------------------------------------------
def format_nok(amount: Decimal | None, approximate: bool = False, lang: str = "en") -> str:
    """``1 000 000 kr``; ``ca. 1 000 000 kr`` when the source gives an approximate figure."""
    if amount is None:
        return ""
    whole = int(amount.to_integral_value())
    digits = f"{whole:,}".replace(",", " ")
    text = f"{digits} kr"
    return (translate("approx", lang) + " " + text) if approximate else text


def year_range(start: int | None, end: int | None, open_ended: bool = False) -> str:
    if start is None and end is None:
        return ""
    if open_ended and end is None:
        return f"{start}–"
    if start == end or end is None:
        return str(start)
    if start is None:
        return f"–{end}"
    return f"{start}–{end}"


def highlight(text: str, needles: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (segment, marked) pieces, marking each occurrence of a needle."""
    spans: list[tuple[int, int]] = []
    folded = text.casefold()
    for needle in {n for n in needles if n and n.strip()}:
        start = folded.find(needle.casefold())
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = folded.find(needle.casefold(), start + 1)
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, at = [], 0
    for start, end in merged:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


# --- the page model ---------------------------------------------------------------------------
class PageBuilder:
    """Builds the dictionaries a page template shows, in one language."""

    def __init__(self, index: GraphIndex, lang: str, href):
        # href(iri) is where a link to iri goes, or None where it must be no link at all
        # (javascript: and any other IRI not http(s); see ninek_graph/links.py)
        self.index = index
        self.lang = lang
        self.href = href

    def t(self, key: str) -> str:
        return translate(key, self.lang)

    def ref(self, iri: str) -> dict:
        if iri in PREDICATES:
            label = predicate_label(iri, self.lang, self.index)
        else:
            label = self.label(iri)
        return {"iri": iri, "href": self.href(iri), "label": label,
                "external": not iri.startswith(BASE)}

    def value(self, term: Term) -> dict:
        if term.kind == "uri":
            return {"kind": "uri", **self.ref(term.value)}
        if term.kind == "literal":
            datatype = short_iri(term.datatype) if term.datatype else None
            return {"kind": "literal", "text": term.value, "lang": term.lang,
                    "datatype": datatype}
        return {"kind": "literal", "text": "_:" + term.value, "lang": None, "datatype": None}

    def refs(self, iris) -> list[dict]:
        return sorted((self.ref(i) for i in iris), key=lambda r: r["label"].casefold())

    def label(self, iri: str) -> str:
        """The entity's name; nodes without one (participations, exclusions, links,
        decisions, memberships) are named after what they connect."""
        ix = self.index
        if not iri.startswith(BASE) and not ix.has(iri) and iri not in ix.ontology:
            return short_iri(iri)
        label = ix.label(iri, self.lang)
        if label != short_iri(iri):
            return label

        def first(predicate: str) -> str:
            found = ix.iris(iri, predicate)
            return ix.label(found[0], self.lang) if found else "?"

        if ix.is_a(iri, NK + "Participation"):
            return f"{first(PROV + 'agent')}: {first(PROV + 'hadRole')} — {first(NK + 'project')}"
        if ix.is_a(iri, NK + "Exclusion"):
            return f"{first(PROV + 'agent')} ≠ {first(NK + 'project')}"
        if ix.is_a(iri, NK + "CouncilDecision"):
            return f"{first(PROV + 'agent')}: {first(NK + 'outcome')} — {first(NK + 'project')}"
        if ix.is_a(iri, NK + "ProjectLink"):
            return (f"{first(NK + 'fromEntity')} → {first(NK + 'relation')} → "
                    f"{first(NK + 'toEntity')}")
        if ix.is_a(iri, NK + "DataQualityNote"):
            comment = ix.text(iri, RDFS + "comment", self.lang) or ""
            short = comment if len(comment) <= 70 else comment[:68].rsplit(" ", 1)[0] + " …"
            return f"{first(NK + 'noteKind')}: {short}"
        if ix.is_a(iri, ORG + "Membership"):
            years = year_range(ix.year(iri, NK + "startYear"), ix.year(iri, NK + "endYear"),
                               True)
            return f"{first(ORG + 'member')} — {first(ORG + 'organization')} {years}"
        return label

    def texts(self, iri: str, predicate: str) -> list[str]:
        return [o.value for o in self.index.values(iri, predicate) if o.kind == "literal"]

    def years(self, iri: str) -> str:
        ix = self.index
        return year_range(ix.year(iri, NK + "startYear"), ix.year(iri, NK + "endYear"),
                          ix.flag(iri, NK + "openEnded"))

    def amount(self, iri: str) -> str:
        return format_nok(self.index.decimal(iri, NK + "amountNOK"),
                          self.index.flag(iri, NK + "approximate"), self.lang)

    # --- statements ---------------------------------------------------------------------
    def statements(self, iri: str, triples) -> tuple[list[dict], list[dict]]:
        """Outgoing rows grouped by predicate, incoming rows grouped by predicate."""
        out: dict[str, list[dict]] = defaultdict(list)
        inc: dict[str, list[dict]] = defaultdict(list)
        for s, p, o in triples:
            if s.kind == "uri" and s.value == iri:
                out[p.value].append(self.value(o))
            elif o.kind == "uri" and o.value == iri and s.kind == "uri":
                inc[p.value].append(self.ref(s.value))

        def grouped(table, sort_values):
            rows = []
            for predicate, values in table.items():
                if sort_values:
                    values = sorted(values, key=lambda v: (v.get("label") or v.get("text")
                                                           or "").casefold())
                rows.append({"predicate": self.ref(predicate),
                             "name": predicate_label(predicate, self.lang, self.index),
                             "values": values})
            order = {RDF_TYPE: 0, DCT + "title": 1, RDFS + "label": 2, SKOS + "prefLabel": 3}
            return sorted(rows, key=lambda r: (order.get(r["predicate"]["iri"], 9),
                                               r["name"].casefold()))

        return grouped(out, False), grouped(inc, True)

    # --- source rows --------------------------------------------------------------------
    def source_rows(self, iri: str) -> list[dict]:
        """The lines the entity was read from, with the evidence of the entity and of the
        statements about it read from the same line marked."""
        ix = self.index
        lines = (set(ix.iris(iri, PROV + "wasDerivedFrom")) | set(ix.iris(iri, DCT_SOURCE))
                 | set(ix.iris(iri, NK + "supportedBy")))
        if ix.is_a(iri, NK + "SourceLine"):
            lines.add(iri)
        dependents = {iri}
        dependents |= set(ix.iris(iri, PROV + "qualifiedAssociation"))
        dependents |= set(ix.subjects(NK + "project", iri))
        rows = []
        for line in sorted(lines, key=lambda i: ix.year(i, NK + "lineNumber") or 0):
            raw = ix.text(line, NK + "rawText", self.lang)
            if raw is None:
                continue
            number = ix.value(line, NK + "lineNumber")
            if ix.is_a(iri, NK + "SourceLine"):
                evidence = [e for s, p in ix.incoming(line) if p in SOURCE_LINKS
                            for e in self.texts(s, NK + "evidence")]
            else:
                evidence = [e for d in dependents
                            if line in ix.iris(d, PROV + "wasDerivedFrom") or d == iri
                            for e in self.texts(d, NK + "evidence")]
            rows.append({"line": self.ref(line), "number": number.value if number else "",
                         "pieces": highlight(raw, evidence),
                         "source_href": self.href(BASE + "source") + "#L" + (
                             number.value if number else "")})
        return rows

    # --- typed sections -------------------------------------------------------------------
    def kind_of(self, iri: str) -> str:
        ix = self.index
        checks = (("project", NK + "Project"), ("project", NK + "WorkArea"),
                  ("municipality", NK + "Municipality"), ("group", NK + "AgentGroup"),
                  ("amount", NK + "Grant"), ("amount", NK + "Cost"), ("amount", NK + "Saving"),
                  ("participation", NK + "Participation"), ("concept", SKOS + "Concept"),
                  ("scheme", SKOS + "ConceptScheme"), ("line", NK + "SourceLine"),
                  ("organisation", ORG + "Organization"))
        for kind, cls in checks:
            if ix.is_a(iri, cls):
                return kind
        return "generic"

    def participations(self, iris) -> list[dict]:
        ix = self.index
        rows = []
        for p in iris:
            agent = ix.iris(p, PROV + "agent")
            project = ix.iris(p, NK + "project")
            role = ix.iris(p, PROV + "hadRole")
            certainty = ix.iris(p, NK + "certainty")
            # the participation's own years, never the project's: a municipality that did
            # not exist (or was not a member) in all of them took part in fewer
            years = self.years(p)
            rows.append({
                "iri": p, "href": self.href(p),
                "agent": self.ref(agent[0]) if agent else None,
                "project": self.ref(project[0]) if project else None,
                "role": self.ref(role[0]) if role else None,
                "years": years,
                "certainty": self.ref(certainty[0]) if certainty else None,
                "inferred": bool(certainty) and certainty[0].endswith("/inferred"),
                "evidence": "; ".join(self.texts(p, NK + "evidence")),
            })
        return rows

    def money(self, iris) -> list[dict]:
        ix = self.index
        rows = []
        for g in sorted(iris):
            project = ix.iris(g, NK + "project") or ix.iris(g, SCHEMA + "fundedItem")
            rows.append({
                "iri": g, "href": self.href(g), "label": self.label(g),
                "funders": self.refs(ix.iris(g, SCHEMA + "funder")),
                "recipients": self.refs(ix.iris(g, NK + "recipient")),
                "project": self.ref(project[0]) if project else None,
                "amount": self.amount(g),
                "amount_value": ix.decimal(g, NK + "amountNOK"),
                "approximate": ix.flag(g, NK + "approximate"),
                "amount_text": ix.text(g, NK + "amountText", self.lang) or "",
                "purpose": ix.text(g, NK + "purpose", self.lang) or "",
                "years": self.years(g),
                "evidence": "; ".join(self.texts(g, NK + "evidence")),
                "qualitative": ix.flag(g, NK + "qualitative"),
            })
        return rows

    def total(self, rows: list[dict]) -> str:
        values = [r["amount_value"] for r in rows if r["amount_value"] is not None]
        if not values:
            return ""
        return format_nok(sum(values, Decimal(0)), any(r["approximate"] for r in rows
                                                       if r["amount_value"] is not None),
                          self.lang)

    def of_type_about(self, iri: str, cls: str, predicate: str = NK + "project") -> list[str]:
        return [s for s in self.index.subjects(predicate, iri) if self.index.is_a(s, cls)]

    def project_sections(self, iri: str) -> dict:
        ix = self.index
        start = ix.year(iri, NK + "startYear")
        end = ix.year(iri, NK + "endYear")
        open_ended = ix.flag(iri, NK + "openEnded")
        participants = self.participations(ix.iris(iri, PROV + "qualifiedAssociation"))
        participants.sort(key=lambda r: (r["role"]["label"] if r["role"] else "",
                                         r["agent"]["label"].casefold() if r["agent"] else ""))
        grants = self.money(self.of_type_about(iri, NK + "Grant"))
        links_out = [s for s in ix.subjects(NK + "fromEntity", iri)]
        links_in = [s for s in ix.subjects(NK + "toEntity", iri)]
        lineage = []
        for link, direction in [(x, "out") for x in links_out] + [(x, "in") for x in links_in]:
            other = ix.iris(link, NK + "toEntity" if direction == "out" else NK + "fromEntity")
            relation = ix.iris(link, NK + "relation")
            lineage.append({"direction": direction, "link": self.ref(link),
                            "relation": self.ref(relation[0]) if relation else None,
                            "other": self.ref(other[0]) if other else None,
                            "evidence": "; ".join(self.texts(link, NK + "evidence"))})
        return {
            "summary": {
                "period": year_range(start, end, open_ended),
                "period_text": ix.text(iri, NK + "periodText", self.lang) or "",
                "categories": self.refs(ix.iris(iri, NK + "category")),
                "results": self.refs(ix.iris(iri, NK + "result")),
                "statuses": self.refs(ix.iris(iri, NK + "status")),
                "working_form": ix.text(iri, NK + "workingForm", self.lang) or "",
                "participants_text": ix.text(iri, NK + "participantsText", self.lang) or "",
                "description": ix.text(iri, DCT + "description", self.lang) or "",
            },
            "participants": participants,
            "exclusions": self.exclusions(self.of_type_about(iri, NK + "Exclusion")),
            "grants": grants,
            "grants_total": self.total(grants),
            "costs": self.money(self.of_type_about(iri, NK + "Cost")),
            "savings": self.money(self.of_type_about(iri, NK + "Saving")),
            "milestones": self.milestones(self.of_type_about(iri, NK + "Milestone")),
            "decisions": self.decisions(self.of_type_about(iri, NK + "CouncilDecision")),
            "lineage": lineage,
            "notes": self.notes(ix.subjects(NK + "concerns", iri)),
            "timeline": self.timeline([{"label": self.label(iri), "href": self.href(iri),
                                        "start": start, "end": end,
                                        "open": open_ended}], highlight_all=True),
        }

    def exclusions(self, iris) -> list[dict]:
        ix = self.index
        return [{"iri": x, "href": self.href(x),
                 "agent": self.ref(ix.iris(x, PROV + "agent")[0])
                 if ix.iris(x, PROV + "agent") else None,
                 "project": self.ref(ix.iris(x, NK + "project")[0])
                 if ix.iris(x, NK + "project") else None,
                 "evidence": "; ".join(self.texts(x, NK + "evidence")),
                 "reason": ix.text(x, NK + "reason", self.lang) or ""} for x in sorted(iris)]

    def milestones(self, iris) -> list[dict]:
        ix = self.index
        rows = [{"iri": m, "href": self.href(m), "label": self.label(m),
                 "date": (ix.value(m, DCT + "date").value if ix.value(m, DCT + "date") else ""),
                 "delivered": ix.flag(m, NK + "delivered"),
                 "evidence": "; ".join(self.texts(m, NK + "evidence"))} for m in iris]
        return sorted(rows, key=lambda r: (r["date"], r["label"]))

    def decisions(self, iris) -> list[dict]:
        ix = self.index
        rows = []
        for d in sorted(iris):
            agent, outcome = ix.iris(d, PROV + "agent"), ix.iris(d, NK + "outcome")
            project = ix.iris(d, NK + "project")
            rows.append({"iri": d, "href": self.href(d),
                         "agent": self.ref(agent[0]) if agent else None,
                         "project": self.ref(project[0]) if project else None,
                         "outcome": self.ref(outcome[0]) if outcome else None,
                         "evidence": "; ".join(self.texts(d, NK + "evidence"))})
        return rows

    def notes(self, iris) -> list[dict]:
        ix = self.index
        rows = []
        for n in sorted(iris):
            kind = ix.iris(n, NK + "noteKind")
            rows.append({"iri": n, "href": self.href(n), "label": self.label(n),
                         "kind": self.ref(kind[0]) if kind else None,
                         "comment": ix.text(n, RDFS + "comment", self.lang) or "",
                         "assumption": ix.is_a(n, NK + "Assumption")})
        return rows

    def timeline(self, bars: list[dict], highlight_all: bool = False) -> dict:
        """Geometry of an SVG timeline 1998-2005: one row per bar."""
        label_w, year_w, row_h, top = 260, 60, 22, 24
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        rows = []
        for i, bar in enumerate(bars):
            start = bar.get("start") or FIRST_YEAR
            end = bar.get("end") or (LAST_YEAR if bar.get("open") or bar.get("start") is None
                                     else start)
            first, last = max(start, FIRST_YEAR), min(end, LAST_YEAR)
            y = top + i * row_h
            rows.append({**bar, "y": y, "text_y": y + 15,
                         "x": label_w + (first - FIRST_YEAR) * year_w,
                         "width": max(year_w * (last - first + 1), 4),
                         "years": year_range(bar.get("start"), bar.get("end"),
                                             bool(bar.get("open"))),
                         "label_short": bar["label"] if len(bar["label"]) <= 38
                         else bar["label"][:36] + "…"})
        return {"width": label_w + year_w * len(years) + 4,
                "height": top + row_h * max(len(bars), 1) + 4,
                "years": [{"year": y, "x": label_w + (y - FIRST_YEAR) * year_w} for y in years],
                "year_w": year_w, "rows": rows, "label_w": label_w}

    def municipality_sections(self, iri: str) -> dict:
        ix = self.index
        memberships = []
        for m in ix.iris(iri, ORG + "hasMembership"):
            memberships.append({
                "iri": m, "href": self.href(m),
                "organisation": self.ref(ix.iris(m, ORG + "organization")[0])
                if ix.iris(m, ORG + "organization") else None,
                "start": ix.year(m, NK + "startYear"), "end": ix.year(m, NK + "endYear"),
                "founding": ix.flag(m, NK + "founding"),
                "assumptions": self.refs(ix.iris(m, NK + "basedOnAssumption"))})
        sections = self.agent_sections(iri)
        identifiers = []
        for i in ix.iris(iri, ADMS + "identifier"):
            period = ix.iris(i, DCT + "temporal")
            start = ix.value(period[0], DCAT + "startDate") if period else None
            end = ix.value(period[0], DCAT + "endDate") if period else None
            notation = ix.value(i, SKOS + "notation")
            kinds = [t for t in ix.types(i) if t.startswith(NK)]
            identifiers.append({
                "iri": i, "href": self.href(i), "notation": notation.value if notation else "",
                "kind": self.label(kinds[0]) if kinds else "",
                "agency": ix.text(i, ADMS + "schemaAgency", self.lang) or "",
                "valid": year_range_text(start.value if start else None,
                                         end.value if end else None),
                "registered_name": ix.text(i, NK + "registeredName", self.lang) or ""})
        identifiers.sort(key=lambda r: (r["kind"], r["valid"]))
        events = []
        for e in sorted(set(ix.iris(iri, ORG + "changedBy")) | set(ix.iris(iri,
                                                                          ORG + "resultedFrom"))):
            date = ix.value(e, DCT + "date")
            events.append({**self.ref(e), "date": date.value if date else "",
                           "description": ix.text(e, DCT + "description", self.lang) or ""})
        sections.update({
            "memberships": memberships,
            "identifiers": identifiers,
            "predecessors": self.refs(ix.iris(iri, NK + "predecessor")),
            "successors": self.refs(ix.iris(iri, NK + "successor")),
            "events": sorted(events, key=lambda e: e["date"]),
            "groups": self.refs(ix.subjects(NK + "knownMember", iri)),
        })
        return sections

    def agent_sections(self, iri: str) -> dict:
        ix = self.index
        participations = self.participations(
            [s for s in ix.subjects(PROV + "agent", iri) if ix.is_a(s, NK + "Participation")])
        by_project: dict[str, dict] = {}
        for row in participations:
            if row["project"] is None:
                continue
            key = row["project"]["iri"]
            entry = by_project.setdefault(key, {"project": row["project"], "roles": [],
                                                "years": row["years"], "inferred": True})
            if row["role"] and row["role"]["label"] not in [r["label"] for r in entry["roles"]]:
                entry["roles"].append(row["role"])
            entry["inferred"] = entry["inferred"] and row["inferred"]
        projects = []
        for key, entry in by_project.items():
            parts = [p for p in participations if p["project"] and p["project"]["iri"] == key]
            # the agent's own years in the project (its participations'), not the project's
            dated = [p["iri"] for p in parts if ix.year(p["iri"], NK + "startYear")]
            start = min((ix.year(p, NK + "startYear") for p in dated), default=None)
            open_ended = any(ix.flag(p, NK + "openEnded") for p in dated)
            end = None if open_ended else max(
                (e for e in (ix.year(p, NK + "endYear") for p in dated) if e), default=None)
            projects.append({**entry, "start": start, "end": end, "open": open_ended,
                             "years": year_range(start, end, open_ended)})
        projects.sort(key=lambda r: (r["start"] or 9999, r["project"]["label"].casefold()))
        given = self.money(ix.subjects(SCHEMA + "funder", iri))
        received = self.money(ix.subjects(NK + "recipient", iri))
        members = [ix.iris(m, ORG + "member")[0] for m in ix.subjects(ORG + "organization", iri)
                   if ix.iris(m, ORG + "member")]
        return {
            "participations": participations,
            "projects": projects,
            "timeline": self.timeline([{"label": p["project"]["label"],
                                        "href": p["project"]["href"], "start": p["start"],
                                        "end": p["end"], "open": p["open"]}
                                       for p in projects if p["start"]]),
            "exclusions": self.exclusions([s for s in ix.subjects(PROV + "agent", iri)
                                           if ix.is_a(s, NK + "Exclusion")]),
            "decisions": self.decisions([s for s in ix.subjects(PROV + "agent", iri)
                                         if ix.is_a(s, NK + "CouncilDecision")]),
            "grants_given": given, "grants_given_total": self.total(given),
            "grants_received": received, "grants_received_total": self.total(received),
            "identifiers": [],
            "same_as": [{"iri": o, "href": self.href(o), "label": short_iri(o)}
                        for o in ix.iris(iri, OWL + "sameAs")],
            "members": self.refs(members),
            "known_members": self.refs(ix.iris(iri, NK + "knownMember")),
            "notes": self.notes(set(ix.subjects(NK + "concerns", iri))
                                | set(ix.subjects(NK + "concernsAgent", iri))),
        }

    def organisation_sections(self, iri: str) -> dict:
        ix = self.index
        sections = self.agent_sections(iri)
        identifiers = []
        for i in ix.iris(iri, ADMS + "identifier"):
            notation = ix.value(i, SKOS + "notation")
            identifiers.append({"iri": i, "href": self.href(i), "valid": "",
                                "notation": notation.value if notation else "",
                                "kind": self.label(i),
                                "agency": ix.text(i, ADMS + "schemaAgency", self.lang) or "",
                                "registered_name": ""})
        sections["identifiers"] = identifiers
        return sections

    def concept_sections(self, iri: str) -> dict:
        ix = self.index
        labels = [{"lang": o.lang or "", "text": o.value}
                  for o in ix.values(iri, SKOS + "prefLabel") + ix.values(iri, RDFS + "label")
                  if o.kind == "literal"]
        seen, unique = set(), []
        for label in labels:
            if (label["lang"], label["text"]) not in seen:
                seen.add((label["lang"], label["text"]))
                unique.append(label)
        definitions = [{"lang": o.lang or "", "text": o.value}
                       for o in ix.values(iri, SKOS + "definition") if o.kind == "literal"]
        used: dict[str, list[str]] = defaultdict(list)
        for s, p in ix.incoming(iri):
            if p in (SKOS + "hasTopConcept", SKOS + "broader"):
                continue
            used[p].append(s)
        return {
            "schemes": self.refs(ix.iris(iri, SKOS + "inScheme")),
            "labels": sorted(unique, key=lambda x: x["lang"]),
            "definitions": definitions,
            "broader": self.refs(ix.iris(iri, SKOS + "broader")),
            "narrower": self.refs(ix.subjects(SKOS + "broader", iri)),
            "used_by": [{"name": predicate_label(p, self.lang, ix),
                         "count": len(subjects),
                         "items": self.refs(subjects)[:200]}
                        for p, subjects in sorted(used.items())],
            "concepts": self.refs(ix.subjects(SKOS + "inScheme", iri)),
        }

    def amount_sections(self, iri: str) -> dict:
        return {"money": self.money([iri])[0]}

    def participation_sections(self, iri: str) -> dict:
        return {"participation": self.participations([iri])[0]}

    def line_sections(self, iri: str) -> dict:
        ix = self.index
        derived = [s for s, p in ix.incoming(iri) if p in SOURCE_LINKS]
        groups: dict[str, list[str]] = defaultdict(list)
        for s in derived:
            types = [t for t in ix.types(s) if t.startswith(NK)] or ix.types(s)
            groups[self.label(types[0]) if types else "?"].append(s)
        return {"derived": [{"type": k, "items": self.refs(v)}
                            for k, v in sorted(groups.items())]}

    def sections(self, iri: str) -> tuple[str, dict]:
        kind = self.kind_of(iri)
        maker = {
            "project": self.project_sections, "municipality": self.municipality_sections,
            "organisation": self.organisation_sections, "group": self.organisation_sections,
            "concept": self.concept_sections, "scheme": self.concept_sections,
            "amount": self.amount_sections, "participation": self.participation_sections,
            "line": self.line_sections,
        }.get(kind)
        return kind, (maker(iri) if maker else {})


def year_range_text(start: str | None, end: str | None) -> str:
    if not start and not end:
        return ""
    return f"{start or ''} – {end or ''}".strip()
