"""ETags follow the build: across two real builds of different data they differ, across two
builds of the same data they are equal.

Every test session builds once, so a test inside one session cannot see an ETag that forgot
the build. Here three real builds meet: the session's, a second build of the same data (the
build is byte-identical, so its answers are the same answers) and a build of a copy of the
data with one curated note reworded (:mod:`tests.repo_copy`, the real command line). Each gets
an application made the way ``ninek-graph serve`` makes it (``create_app`` with ``dist``; the
store and the build tag are read from that directory).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from ninek_graph.app import create_app
from ninek_graph.build import build_dist, read_manifest
from tests.repo_copy import make_copy

ASK = "ASK { ?s ?p ?o }"
#: (path, Accept) of answers of every kind that carries an ETag
ANSWERS = [
    ("/sparql?query=" + quote(ASK), "application/sparql-results+json"),
    ("/sparql?query=" + quote("SELECT ?t { ?p <http://purl.org/dc/terms/title> ?t } LIMIT 3"),
     "text/csv"),
    ("/queries/projects?format=json", "*/*"),
    ("/queries/municipality-projects?municipality=Re&format=csv", "*/*"),
    ("/project/geodata.html", "text/html"),
    ("/project/geodata.ttl", "text/turtle"),
    ("/municipality/re.jsonld", "application/ld+json"),
    ("/", "text/html"),
    ("/download/ninek.nt", "*/*"),
]


@pytest.fixture(scope="module")
def dists(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    again = tmp_path_factory.mktemp("same-data") / "dist"
    build_dist(again)
    repo = make_copy(tmp_path_factory.mktemp("changed-data") / "repo")
    repo.replace_once("data/interpretation/notes.yaml",
                      'every other header names it "Kommentar".',
                      'every other header calls it "Kommentar".')
    changed = repo.path("out") / "dist"
    done = repo.cli("build", "--dist", str(changed), dist=changed)
    assert done.returncode == 0, done.stderr[-2000:]
    return {"first": dist_dir, "same data": again, "changed data": changed}


@pytest.fixture(scope="module")
def apps(dists):
    made = {name: create_app({"dist": str(path), "query_workers": 1})
            for name, path in dists.items()}
    yield made
    for app in made.values():
        app.extensions["ninek_backend"].close()


def etags(app) -> dict[str, str]:
    client = app.test_client()
    found = {}
    for path, accept in ANSWERS:
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers.get("ETag"), path
        found[path] = response.headers["ETag"]
    return found


def test_the_builds_are_what_the_test_needs(dists):
    ids = {name: read_manifest(path)["build_id"] for name, path in dists.items()}
    assert ids["first"] == ids["same data"] != ids["changed data"], ids


@pytest.mark.slow
def test_etags_differ_between_builds_and_agree_within_one(apps):
    first, same, changed = (etags(apps[n]) for n in ("first", "same data", "changed data"))
    assert first == same
    for path in first:
        assert first[path] != changed[path], f"{path}: the ETag did not change with the build"


@pytest.mark.slow
def test_a_copy_from_the_old_build_is_not_revalidated_by_the_new_one(apps):
    """A client (or proxy) holding an answer of the old build asks If-None-Match: the same
    build says 304, a new build sends the new answer."""
    old = etags(apps["first"])
    for path, accept in ANSWERS:
        headers = {"Accept": accept, "If-None-Match": old[path]}
        assert apps["same data"].test_client().get(path, headers=headers).status_code == 304
        fresh = apps["changed data"].test_client().get(path, headers=headers)
        assert fresh.status_code == 200, path
        assert fresh.get_data(), path


def test_health_names_each_build(apps, dists):
    for name, app in apps.items():
        build = app.test_client().get("/health").get_json()["build"]
        assert build.startswith(read_manifest(dists[name])["build_id"]), (name, build)
