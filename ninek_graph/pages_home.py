"""What the home page and the data-quality page show, computed from the pages' index.

Counts, the cooperation's membership over time (W3C ORG memberships with their years), the
projects by category, the dumps (sizes and SHA-256 from ``dist/manifest.json``), the data-
quality notes and assumptions, and the missing registry links (per registry).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from .namespaces import BASE
from .pages_describe import PageBuilder, format_nok, highlight
from .pages_index import DCT, NK, ORG, PROV, RDFS, SKOS, pick_literal

DUMPS = (("ninek.ttl", "Turtle", "text/turtle"),
         ("ninek.nt", "N-Triples", "application/n-triples"),
         ("ninek.jsonld", "JSON-LD", "application/ld+json"))
COOPERATION = BASE + "organisation/9k"


def home(builder: PageBuilder) -> dict:
    ix = builder.index
    municipalities = ix.of_type(NK + "Municipality")
    organisations = [o for o in ix.of_type(ORG + "Organization") if o not in municipalities]
    grants = ix.of_type(NK + "Grant")
    amounts = [(ix.decimal(g, NK + "amountNOK"), ix.flag(g, NK + "approximate"))
               for g in grants]
    total = sum((a for a, _ in amounts if a is not None), Decimal(0))
    memberships = []
    for m in ix.subjects(ORG + "organization", COOPERATION):
        member = ix.iris(m, ORG + "member")
        if not member:
            continue
        memberships.append({"member": builder.ref(member[0]), "membership": builder.ref(m),
                            "start": ix.year(m, NK + "startYear"),
                            "end": ix.year(m, NK + "endYear"),
                            "founding": ix.flag(m, NK + "founding")})
    memberships.sort(key=lambda r: (r["start"] or 0, r["member"]["label"].casefold()))
    timeline = builder.timeline([{"label": r["member"]["label"], "href": r["member"]["href"],
                                  "start": r["start"], "end": r["end"], "open": r["end"] is None}
                                 for r in memberships])
    by_category: dict[str, dict] = {}
    activities = ix.of_type(NK + "Project") + ix.of_type(NK + "WorkArea")
    for p in activities:
        for category in ix.iris(p, NK + "category") or [""]:
            entry = by_category.setdefault(category, {
                "category": builder.ref(category) if category else None, "items": []})
            entry["items"].append({**builder.ref(p), "years": builder.years(p)})
    categories = sorted(by_category.values(),
                        key=lambda c: c["category"]["label"].casefold() if c["category"] else "")
    for c in categories:
        c["items"].sort(key=lambda r: r["label"].casefold())
    files = ix.manifest.get("files", {})
    dumps = [{"name": name, "label": label, "media_type": media_type,
              "bytes": files.get(name, {}).get("bytes"),
              "size": human_size(files.get(name, {}).get("bytes")),
              "sha256": files.get(name, {}).get("sha256", "")}
             for name, label, media_type in DUMPS]
    dataset = BASE + "dataset"
    return {
        "dataset": builder.ref(dataset),
        "description": ix.text(dataset, DCT + "description", builder.lang) or "",
        "counts": {
            "projects": len(ix.of_type(NK + "Project")),
            "workareas": len(ix.of_type(NK + "WorkArea")),
            "municipalities": len(municipalities),
            "organisations": len(organisations),
            "grants": len(grants),
            "total_granted": format_nok(total, any(a for _, a in amounts), builder.lang),
        },
        "memberships": memberships,
        "timeline": timeline,
        "categories": categories,
        "municipalities": builder.refs(municipalities),
        "organisations": builder.refs(organisations),
        "groups": builder.refs(ix.of_type(NK + "AgentGroup")),
        "dumps": dumps,
        "triples": ix.manifest.get("triples"),
        "build_id": ix.manifest.get("build_id", ""),
        "source": builder.ref(BASE + "source/document"),
    }


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MiB"
    if size >= 1 << 10:
        return f"{size / (1 << 10):.0f} KiB"
    return f"{size} B"


def quality(builder: PageBuilder) -> dict:
    """The data-quality page: the interpretation decisions (readings the graph chose, with
    their reasons), the other notes, the assumptions, the statements one row states and
    another only implies (nk:inferredIn, with the rule), the registry candidates that are not
    identities (and why) and, per registry, the entities missing a link to it."""
    ix = builder.index
    notes, assumptions, decisions = [], [], []
    for n in ix.of_type(NK + "DataQualityNote"):
        kind = ix.iris(n, NK + "noteKind")
        evidence = [o.value for o in ix.values(n, NK + "evidence") if o.kind == "literal"]
        lines = []
        for line in ix.iris(n, PROV + "wasDerivedFrom") + ix.iris(n, NK + "supportedBy"):
            raw = ix.text(line, NK + "rawText", builder.lang)
            number = ix.value(line, NK + "lineNumber")
            if raw is not None:
                lines.append({"line": builder.ref(line),
                              "number": number.value if number else "",
                              "pieces": highlight(raw, evidence)})
        lines.sort(key=lambda r: int(r["number"] or 0))
        row = {**builder.ref(n), "kind": builder.ref(kind[0]) if kind else None,
               "comment": ix.text(n, RDFS + "comment", builder.lang) or "",
               "evidence": evidence, "lines": lines,
               "concerns": builder.refs(ix.iris(n, NK + "concerns")
                                        + ix.iris(n, NK + "concernsAgent"))}
        if ix.is_a(n, NK + "Assumption"):
            assumptions.append(row)
        elif ix.is_a(n, NK + "InterpretationDecision"):
            decisions.append(row)
        else:
            notes.append(row)
    def by_line(r: dict) -> tuple:
        return (int(r["lines"][0]["number"]) if r["lines"] else 0, r["iri"])

    notes.sort(key=by_line)
    decisions.sort(key=by_line)
    assumptions.sort(key=lambda r: r["iri"])
    # statements one row states and another only implies: stated, with the implying row
    # and its evidence kept (the rule is the ontology's definition of nk:inferredIn)
    mixed = []
    for line in ix.of_type(NK + "SourceLine"):
        for node, predicate in ix.incoming(line):
            if predicate != NK + "inferredIn":
                continue
            rows = sorted(int(v.value) for r in ix.iris(node, PROV + "wasDerivedFrom")
                          for v in [ix.value(r, NK + "lineNumber")] if v is not None)
            number = ix.value(line, NK + "lineNumber")
            certainty = ix.iris(node, NK + "certainty")
            mixed.append({**builder.ref(node),
                          "inferred_line": number.value if number else "",
                          "lines": rows,
                          "certainty": builder.ref(certainty[0]) if certainty else None,
                          "evidence": [o.value for o in ix.values(node, NK + "evidence")
                                       if o.kind == "literal"]})
    mixed.sort(key=lambda r: (int(r["inferred_line"] or 0), r["iri"]))
    candidates = []
    for c in ix.of_type(NK + "CandidateMatch"):
        entity, item = ix.iris(c, NK + "fromEntity"), ix.iris(c, NK + "toEntity")
        candidates.append({**builder.ref(c),
                           "entity": builder.ref(entity[0]) if entity else None,
                           "item": item[0] if item else "",
                           "comment": ix.text(c, RDFS + "comment", builder.lang) or ""})
    candidates.sort(key=lambda r: r["entity"]["label"].casefold() if r["entity"] else "")
    # one list per registry, so that each entry is missing exactly what its list names
    unlinked = [{"registry": registry_id,
                 "entries": [{**builder.ref(iri), "reason": reason}
                             for iri, reg, reason in _missing_links() if reg == registry_id]}
                for registry_id in _registries()]
    return {"notes": notes, "assumptions": assumptions, "decisions": decisions,
            "candidates": candidates, "mixed": mixed,
            "mixed_rule": _definition(ix, NK + "inferredIn", builder.lang),
            "candidate_rule": _definition(ix, NK + "CandidateMatch", builder.lang),
            "decision_rule": _definition(ix, NK + "InterpretationDecision", builder.lang),
            "unlinked": unlinked,
            "kinds": builder.refs(ix.subjects(SKOS + "inScheme", BASE + "scheme/note-kind"))}


def _definition(ix, term: str, lang: str) -> str:
    """The ontology's definition of ``term``: the page states a rule in the words the
    ontology documents it with."""
    return pick_literal([o for p, o in ix.ontology.get(term, ()) if p == SKOS + "definition"],
                        lang) or ""


@lru_cache(maxsize=1)
def _missing_links() -> tuple[tuple[str, str, str], ...]:
    from . import registry

    return tuple((str(iri), reg, reason) for iri, reg, reason in registry.missing_links())


def _registries() -> tuple[str, ...]:
    from . import registry

    return registry.REGISTRIES
