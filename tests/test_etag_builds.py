"""ETags follow the build: across two real builds of different data they differ, across two
builds of the same data they are equal.

Every test session builds once, so a test inside one session cannot see an ETag that forgot
the build. Here three real builds meet, all of one copy of the data
(:mod:`tests.repo_copy`): a first, a second of the same data (the build is byte-identical, so
its answers are the same answers) and one with a curated note reworded. Each gets
an application made the way ``ninek-graph serve`` makes it (``create_app`` with ``dist``; the
store and the build tag are read from that directory).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from ninek_graph.app import create_app
from ninek_graph.build import read_manifest
from tests.repo_copy import make_copy

ASK = "ASK { ?s ?p ?o }"
#: (path, Accept) of answers of every kind that carries an ETag
pytestmark = pytest.mark.slow  # three real builds

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


def build_in(repo, *dists: Path) -> None:
    """Build the copy's data into each of ``dists``, one after the other, in one process."""
    code = ("import sys; from ninek_graph.build import build_dist\n"
            "for d in sys.argv[1:]: build_dist(d)")
    done = subprocess.run([sys.executable, "-c", code, *map(str, dists)], cwd=repo.root,
                          env=repo.env(dists[0]), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three builds from one snapshot of the data (so that edits to the working tree while
    the tests run cannot make "the same data" differ): twice as it is, then changed."""
    repo = make_copy(tmp_path_factory.mktemp("data") / "repo")
    made = {name: repo.path("out") / name.replace(" ", "-") / "dist"
            for name in ("first", "same data", "changed data")}
    build_in(repo, made["first"], made["same data"])
    repo.replace_once("data/interpretation/notes.yaml",
                      'every other header names it "Kommentar".',
                      'every other header calls it "Kommentar".')
    build_in(repo, made["changed data"])
    return made


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


def test_etags_differ_between_builds_and_agree_within_one(apps):
    first, same, changed = (etags(apps[n]) for n in ("first", "same data", "changed data"))
    assert first == same
    for path in first:
        assert first[path] != changed[path], f"{path}: the ETag did not change with the build"


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
