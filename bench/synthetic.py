"""A synthetic knowledge graph of the same shape as the real one, at any size.

The real graph (``dist/ninek.nt``, ~9.4k triples) is the template. Every entity the source
describes (projects, work areas, participations, grants, costs, savings, exclusions,
municipalities with their memberships and identifiers, organisations, groups, links,
milestones, decisions, events, notes, source lines) is copied again and again under new IRIs
(``.../project/geodata`` -> ``.../project/geodata~k7``), with its labels and titles made
unique (``"Tønsberg"`` -> ``"Tønsberg k7"``), municipality and organisation numbers made
unique, amounts varied and years shifted by eight years a copy. Shared vocabulary is not
copied: concepts and schemes (roles, categories, statuses), the ontology, the dataset
description and outside IRIs (Wikidata, SSB) stay as they are, so each copy points at the
same role concepts as the original, as a bigger real graph would.

So every class and property a canned query uses grows in proportion, and every canned query
keeps returning rows (the bench checks it). The first copy is the real graph unchanged, so
the canned queries' real parameters (municipality=Tønsberg, project=Geodata,
organisation=HVE) still select exactly what they select on the real data, now among many
more municipalities, projects and organisations. The last copy is partial (whole subjects,
in a fixed order) so the size is the one asked for, within one subject's triples.

    python -m bench.synthetic --triples 100000 --out /tmp/synthetic.nt
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

BASE = "https://w3id.org/ninek/"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
NK = BASE + "def#"

# Top-level IRI segments under BASE that are entities of the source (copied); everything else
# (concept/, scheme/, def, dataset, distribution, sparql, outside IRIs) is shared vocabulary.
COPIED_KINDS = frozenset({
    "project", "workarea", "participation", "grant", "cost", "saving", "exclusion",
    "municipality", "membership", "identifier", "organisation", "group", "link", "milestone",
    "decision", "event", "note", "source",
})
# Literals made unique per copy, so that a name or number selects one copy's entity.
RENAMED = frozenset({
    SKOS + "prefLabel", SKOS + "altLabel", SKOS + "notation", RDFS + "label",
    DCTERMS + "title", FOAF + "name",
    NK + "matchKey",  # lookup keys follow the names they are made from ("tønsberg k3")
})
AMOUNTS = frozenset({NK + "amountNOK", "https://schema.org/value"})
YEAR_TYPES = frozenset({XSD + "gYear", XSD + "gYearMonth", XSD + "date"})
YEARS_PER_COPY = 8
_KIND = re.compile(r"^" + re.escape(BASE) + r"([a-z]+)(/|$)")


def _kind(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str | None:
    if not isinstance(term, ox.NamedNode):
        return None
    match = _KIND.match(term.value)
    return match.group(1) if match else None


def is_copied(term) -> bool:
    return _kind(term) in COPIED_KINDS


class Template:
    """The real graph, split into what each copy repeats and what exists once."""

    def __init__(self, path: Path):
        self.shared: list[str] = []
        by_subject: dict[str, list[tuple]] = defaultdict(list)
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES):
            if is_copied(triple.subject):
                by_subject[triple.subject.value].append(
                    (triple.subject, triple.predicate, triple.object))
            else:
                self.shared.append(f"{triple.subject} {triple.predicate} {triple.object} .\n")
        # A fixed order (sorted subjects), so a partial copy is the same for the same size.
        self.subjects = [by_subject[s] for s in sorted(by_subject)]
        self.copied = sum(len(triples) for triples in self.subjects)

    @property
    def size(self) -> int:
        return len(self.shared) + self.copied


def _iri(term: ox.NamedNode, copy: int) -> str:
    value = term.value
    if "#" in value:  # .../grant/x-1#amount: the fragment stays a fragment of the copy
        head, _, fragment = value.partition("#")
        return f"<{head}~k{copy}#{fragment}>"
    return f"<{value}~k{copy}>"


def _literal(term: ox.Literal, predicate: str, copy: int) -> str:
    datatype = term.datatype.value
    value = term.value
    if predicate in RENAMED:
        value = f"{value} k{copy}"
    elif predicate in AMOUNTS and datatype in (XSD + "decimal", XSD + "integer"):
        factor = Decimal(100 + (copy * 37) % 61) / 100  # 1.00 .. 1.60
        value = str((Decimal(value) * factor).quantize(Decimal("1")))
        datatype = XSD + "decimal"
    elif datatype in YEAR_TYPES and re.match(r"^\d{4}", value):
        value = f"{int(value[:4]) + copy * YEARS_PER_COPY:04d}{value[4:]}"
    if term.language:
        return str(ox.Literal(value, language=term.language))
    return str(ox.Literal(value, datatype=ox.NamedNode(datatype)))


def _copy_subject(triples: list[tuple], copy: int) -> Iterator[str]:
    for s, p, o in triples:
        subject = _iri(s, copy)
        if is_copied(o):
            obj = _iri(o, copy)
        elif isinstance(o, ox.Literal):
            obj = _literal(o, p.value, copy)
        else:
            obj = str(o)
        yield f"{subject} {p} {obj} .\n"


def generate(template: Template, triples: int) -> Iterator[str]:
    """N-Triples lines: the real graph, then copies until about ``triples`` lines."""
    written = 0
    for triple_list in template.subjects:  # copy 0: the real graph as it is
        for s, p, o in triple_list:
            yield f"{s} {p} {o} .\n"
            written += 1
    yield from template.shared
    written += len(template.shared)
    copy = 1
    while written < triples:
        for triple_list in template.subjects:
            if written >= triples:
                break
            for line in _copy_subject(triple_list, copy):
                yield line
                written += 1
        copy += 1


def write(template: Template, triples: int, out: Path) -> dict:
    """Write about ``triples`` triples to ``out``; return what was written."""
    count = 0
    with open(out, "w", encoding="utf-8") as handle:
        buffer: list[str] = []
        for line in generate(template, triples):
            buffer.append(line)
            count += 1
            if len(buffer) >= 50_000:
                handle.write("".join(buffer))
                buffer.clear()
        handle.write("".join(buffer))
    copies = max(1.0, 1 + (count - template.size) / template.copied)
    return {"triples": count, "copies": round(copies, 2), "bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, default=Path("dist/ninek.nt"))
    parser.add_argument("--triples", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    info = write(Template(args.template), args.triples, args.out)
    print(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
