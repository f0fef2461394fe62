"""Counts of the built graph: entities per class, triples, links between entities."""

from __future__ import annotations

from collections import Counter

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from .namespaces import BASE, PREFIXES


def _short(term: URIRef) -> str:
    text = str(term)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(str(p[1]))):
        if text.startswith(str(namespace)):
            return f"{prefix}:{text[len(str(namespace)):]}"
    return text


def statistics(graph: Graph) -> dict:
    classes = Counter(_short(o) for o in graph.objects(None, RDF.type))
    internal_links = sum(
        1
        for s, p, o in graph
        if p != RDF.type and isinstance(o, URIRef) and str(o).startswith(BASE)
        and str(s).startswith(BASE)
    )
    external_links = sum(
        1 for s, p, o in graph if p == OWL.sameAs and not str(o).startswith(BASE)
    )
    return {
        "triples": len(graph),
        "subjects": len(set(graph.subjects())),
        "classes": dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        "links_between_entities": internal_links,
        "links_to_external_registries": external_links,
    }


def as_text(stats: dict) -> str:
    lines = [
        f"triples: {stats['triples']}",
        f"subjects: {stats['subjects']}",
        f"links between entities: {stats['links_between_entities']}",
        f"links to external registries (owl:sameAs): {stats['links_to_external_registries']}",
        "entities per class:",
    ]
    lines += [f"  {count:6d}  {name}" for name, count in stats["classes"].items()]
    return "\n".join(lines)
