"""Build the knowledge graph from the source and write the dumps to ``dist/``.

``build_graph`` is the pipeline: parse the source (:mod:`.source`), load and check the
curated layer (:mod:`.interpret`), turn rows and their context into triples
(:mod:`.rdf_rows`, :mod:`.rdf_context`), add registry links (:mod:`.registry`) and the
dataset description (:mod:`.dataset`). ``build_dist`` writes Turtle, sorted N-Triples (so
that a repeated build is byte-identical) and JSON-LD, plus the ontology and a manifest,
into a fresh directory that replaces ``dist/`` only once everything is written: a failed
build leaves the previous ``dist/`` as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from . import dataset, interpret, rdf_context, source
from .namespaces import bind_prefixes
from .ontology import ontology_graph
from .paths import DIST_DIR, INTERPRETATION_DIR, SOURCE_FILE
from .rdf_rows import RowBuilder

DUMPS = ("ninek.ttl", "ninek.nt", "ninek.jsonld")


@dataclass
class BuildResult:
    graph: Graph
    document: source.SourceDocument
    interpretation: interpret.Interpretation


def build_graph(
    source_path: Path = SOURCE_FILE, interpretation_dir: Path = INTERPRETATION_DIR
) -> BuildResult:
    """Source document -> checked records -> one rdflib Graph (not yet written anywhere)."""
    document = source.parse(source_path)
    interpretation = interpret.load(document, interpretation_dir)
    interpretation.validity = _municipality_validity()
    graph = bind_prefixes(Graph())
    rdf_context.add_source(graph, document)
    rdf_context.add_agents(graph, interpretation)
    rdf_context.add_concepts(graph, interpretation)
    rdf_context.add_membership(graph, interpretation)
    rdf_context.add_document_notes(graph, interpretation)
    for row in document.entries():
        RowBuilder(graph, interpretation, row, interpretation.rows[row.line]).build()
    linksets = _add_registry(graph, interpretation)
    rdf_context.add_match_keys(graph)
    dataset.describe(graph, linksets)
    dataset.add_statistics(graph)
    return BuildResult(graph, document, interpretation)


def _municipality_validity():
    from .registry import municipality_validity

    return municipality_validity()


def _add_registry(graph: Graph, interpretation: interpret.Interpretation) -> Graph:
    """Registry links, and the time checks that need municipality history."""
    from . import registry
    from .checks import add_anachronism_notes

    for triple in registry.registry_graph():
        graph.add(triple)
    add_anachronism_notes(graph, interpretation, interpretation.validity)
    return registry.void_linksets(dataset.DATASET, graph)


def sorted_ntriples(graph: Graph) -> bytes:
    """N-Triples with lines sorted, so that the same graph always gives the same bytes.

    Blank nodes (the ontology's OWL lists) get canonical labels first (rdflib's
    implementation of the canonical labelling of blank nodes), otherwise their labels
    would change from parse to parse."""
    from rdflib import BNode
    from rdflib.compare import to_canonical_graph

    if any(isinstance(term, BNode) for triple in graph for term in triple):
        graph = to_canonical_graph(graph)
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted(line for line in text.splitlines() if line.strip())
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_dist(dist: Path = DIST_DIR) -> dict:
    """Build and write every dump into ``dist`` atomically; return the manifest."""
    result = build_graph()
    graph = result.graph
    dist = Path(dist)
    dist.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".dist-", dir=dist.parent))
    staging.chmod(0o755)
    try:
        files = {
            "ninek.nt": sorted_ntriples(graph),
            "ninek.ttl": graph.serialize(format="turtle", encoding="utf-8"),
            "ninek.jsonld": graph.serialize(format="json-ld", encoding="utf-8", indent=1),
        }
        ontology = ontology_graph()
        files["ontology.ttl"] = ontology.serialize(format="turtle", encoding="utf-8")
        files["ontology.nt"] = sorted_ntriples(ontology)
        for name, content in files.items():
            (staging / name).write_bytes(content)
        manifest = {
            "inputs_sha256": inputs_digest(),
            "source": {"file": result.document.path.name, "sha256": result.document.sha256},
            "triples": len(graph),
            "ontology_triples": len(ontology),
            "build_id": hashlib.sha256(files["ninek.nt"] + files["ontology.nt"]).hexdigest()[:16],
            "files": {
                name: {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
                for name, content in sorted(files.items())
            },
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        _replace_directory(staging, dist)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _replace_directory(new: Path, target: Path) -> None:
    """Swap ``new`` in as ``target``; the old one is removed only after the swap."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.rename(target, old)
    os.rename(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def inputs_digest() -> str:
    """A digest of everything a build reads (source, curated data, registries, ontology,
    shapes and the package's code): ``dist/`` is stale when it differs."""
    from .paths import DATA_DIR, ONTOLOGY_DIR, SHAPES_DIR

    digest = hashlib.sha256()
    roots = (DATA_DIR, ONTOLOGY_DIR, SHAPES_DIR, Path(__file__).parent)
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root.parent)).encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def is_stale(dist: Path = DIST_DIR) -> bool:
    manifest = read_manifest(dist)
    return manifest is None or manifest.get("inputs_sha256") != inputs_digest()


def read_manifest(dist: Path = DIST_DIR) -> dict | None:
    path = Path(dist) / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())
