"""The build is repeatable, atomic, and the Python and command-line entry points work."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

import ninek_graph
from ninek_graph.build import build_dist, read_manifest, sorted_ntriples


def test_repeated_builds_are_byte_identical(tmp_path, dist_dir):
    again = tmp_path / "again"
    build_dist(again)
    for name in ("ninek.nt", "ontology.nt", "manifest.json"):
        assert (again / name).read_bytes() == (dist_dir / name).read_bytes(), name


def test_manifest_describes_the_files(dist_dir):
    import hashlib

    manifest = read_manifest(dist_dir)
    assert manifest["source"]["sha256"].startswith("8d67c5fe")
    for name, info in manifest["files"].items():
        data = (dist_dir / name).read_bytes()
        assert info["bytes"] == len(data)
        assert info["sha256"] == hashlib.sha256(data).hexdigest()


def test_dumps_hold_the_same_graph(dist_dir):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    nt = Graph().parse(dist_dir / "ninek.nt", format="nt")
    ttl = Graph().parse(dist_dir / "ninek.ttl", format="turtle")
    jsonld = Graph().parse(dist_dir / "ninek.jsonld", format="json-ld")
    assert len(nt) == read_manifest(dist_dir)["triples"]
    assert isomorphic(nt, ttl) and isomorphic(nt, jsonld)
    assert sorted_ntriples(ttl) == (dist_dir / "ninek.nt").read_bytes()


def test_void_triple_count_is_the_real_count(graph):
    from rdflib import URIRef
    from rdflib.namespace import VOID

    count = graph.value(URIRef("https://w3id.org/ninek/dataset"), VOID.triples)
    assert int(count) == len(graph)


def test_failed_build_keeps_previous_dist(tmp_path, monkeypatch):
    dist = tmp_path / "dist"
    build_dist(dist)
    before = {p.name: p.read_bytes() for p in dist.iterdir()}
    import ninek_graph.build as build_module

    def explode(*args, **kwargs):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(build_module, "_replace_directory", explode)
    with pytest.raises(RuntimeError):
        build_dist(dist)
    assert {p.name: p.read_bytes() for p in dist.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]  # no staging left behind


def test_load_returns_the_graph_without_network(dist_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("load() tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    graph = ninek_graph.load(dist_dir / "ninek.nt")
    assert len(graph) == read_manifest(dist_dir)["triples"]
    titles = {str(t) for t in graph.objects(None, ninek_graph_title())}
    assert "Geodata" in titles


def ninek_graph_title():
    from rdflib.namespace import DCTERMS

    return DCTERMS.title


def _cli(*args: str, env_dist) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, NINEK_DIST=str(env_dist))
    return subprocess.run(
        [sys.executable, "-m", "ninek_graph.cli", *args],
        capture_output=True, text=True, env=env, timeout=300,
    )


def test_cli_validate_and_stats(dist_dir):
    done = _cli("validate", "--format", "json", env_dist=dist_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["conforms"] is True
    assert report["suites"] == {"ninek shapes": True, "DCAT-AP-NO 2.0": True}
    stats = _cli("stats", "--format", "json", "--dist", str(dist_dir), env_dist=dist_dir)
    figures = json.loads(stats.stdout)
    assert figures["classes"]["nk:Project"] == 52
    assert figures["classes"]["nk:WorkArea"] == 6
    assert figures["triples"] == read_manifest(dist_dir)["triples"]


def test_cli_validate_fails_on_a_broken_dump(tmp_path, dist_dir):
    import shutil

    broken = tmp_path / "dist"
    shutil.copytree(dist_dir, broken)
    lines = (broken / "ninek.nt").read_text().splitlines()
    kept = [line for line in lines if "<http://purl.org/dc/terms/title>" not in line
            or "/project/geodata>" not in line.split(" ")[0]]
    (broken / "ninek.nt").write_text("\n".join(kept) + "\n")
    done = _cli("validate", "--dist", str(broken), env_dist=broken)
    assert done.returncode == 1
    assert "project/geodata" in done.stdout
