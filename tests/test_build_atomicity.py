"""The build replaces dist/ only when the new one is complete: the mechanism itself, unpatched.

``build_dist`` writes every dump into a fresh directory beside ``dist/`` and swaps it in at
the end (:mod:`ninek_graph.build`). A test that replaces a function of the build to make it
fail proves nothing about that function, so these run the real ``ninek-graph build`` as a
subprocess and make it fail, or watch it, from outside:

* the build runs under a file-size limit (``RLIMIT_FSIZE``) smaller than its largest dump, the
  way a full disk or a quota stops a real build midway through writing: the previous
  ``dist/`` must come out byte for byte as it was, with no staging directory left behind;
* another process watches ``dist/`` while a real build replaces an older, different build:
  every time it looks, ``dist/`` is a complete set whose files are the sizes its own
  ``manifest.json`` states (never new dumps beside an old manifest, never a half-written file).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ninek_graph.build import read_manifest
from tests.repo_copy import ROOT, make_copy, tree_bytes

FILE_LIMIT = 1 << 20  # bytes: less than ninek.nt and ninek.jsonld, more than the ontology


def _cli_build(dist: Path, *, preexec_fn=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ninek_graph.cli", "build", "--dist", str(dist)], cwd=ROOT,
        env=dict(os.environ, NINEK_DIST=str(dist), PYTHONDONTWRITEBYTECODE="1"),
        capture_output=True, text=True, timeout=300, preexec_fn=preexec_fn,
    )


def _limit_file_size() -> None:
    """In the child: files may not grow past FILE_LIMIT; a write past it fails with EFBIG
    (SIGXFSZ ignored, so the build sees the error instead of being killed)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def test_the_file_limit_is_below_the_largest_dump(dist_dir):
    """The premise of the next test: the limit stops the build while it writes."""
    sizes = {name: info["bytes"] for name, info in read_manifest(dist_dir)["files"].items()}
    assert max(sizes.values()) > FILE_LIMIT > min(sizes.values()), sizes


@pytest.mark.slow
def test_a_build_that_fails_while_writing_leaves_the_previous_dist_as_it_was(tmp_path, dist_dir):
    dist = tmp_path / "out" / "dist"
    shutil.copytree(dist_dir, dist)
    before = tree_bytes(dist)
    done = _cli_build(dist, preexec_fn=_limit_file_size)
    assert done.returncode != 0, "the build should have failed at the file-size limit"
    assert "File too large" in done.stderr or "EFBIG" in done.stderr, done.stderr[-1500:]
    assert dist.is_dir(), "the previous dist/ is gone"
    assert tree_bytes(dist) == before, "the previous dist/ was changed by the failed build"
    assert sorted(p.name for p in dist.parent.iterdir()) == ["dist"], "staging left behind"


WATCHER = textwrap.dedent("""
    import json, os, sys
    dist, stop, report = sys.argv[1], sys.argv[2], sys.argv[3]
    looks = absent = swapped = 0
    bad = []

    def problem():
        try:
            with open(os.path.join(dist, "manifest.json"), "rb") as f:
                manifest = json.loads(f.read())
            for name, info in manifest["files"].items():
                size = os.stat(os.path.join(dist, name)).st_size
                if size != info["bytes"]:
                    return f"{name}: {size} bytes, its manifest says {info['bytes']}"
        except FileNotFoundError as error:
            return f"incomplete: {error}"
        except (ValueError, KeyError) as error:
            return f"manifest.json unreadable: {error!r}"
        return None

    def identity():
        try:
            return os.stat(dist).st_ino
        except FileNotFoundError:
            return None

    while not os.path.exists(stop):
        looks += 1
        first = identity()
        if first is None:
            absent += 1
            continue
        found = problem()
        if found is None:
            continue
        if identity() == first:  # the same directory all along: a partial set
            bad.append(found)
        else:  # the look spanned the swap of two directories
            swapped += 1
    with open(report, "w") as f:
        json.dump({"looks": looks, "absent": absent, "swapped": swapped, "bad": bad[:20],
                   "nbad": len(bad)}, f)
""")


@pytest.mark.slow
def test_dist_is_never_a_partial_set_while_a_build_replaces_it(tmp_path):
    """An older build of different data (a longer note: every dump differs in size) is
    replaced by a real build while another process keeps reading dist/."""
    repo = make_copy(tmp_path / "repo")
    repo.replace_once("data/interpretation/notes.yaml",
                      "every other header names it \"Kommentar\".",
                      "every other header names it \"Kommentar\" (an older wording of this "
                      "note, longer, so that every dump of this build differs in size).")
    dist = tmp_path / "out" / "dist"
    older = repo.cli("build", "--dist", str(dist), dist=dist)
    assert older.returncode == 0, older.stderr[-2000:]
    old_sizes = {n: i["bytes"] for n, i in read_manifest(dist)["files"].items()}

    stop, report = tmp_path / "stop", tmp_path / "report.json"
    watcher = subprocess.Popen([sys.executable, "-c", WATCHER, str(dist), str(stop), str(report)])
    try:
        time.sleep(0.2)
        done = _cli_build(dist)
    finally:
        stop.touch()
        watcher.wait(timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(report.read_text())
    print("watcher:", seen)
    assert seen["looks"] > 100, seen  # it really kept looking
    assert seen["nbad"] == 0, seen
    new_sizes = {n: i["bytes"] for n, i in read_manifest(dist)["files"].items()}
    assert {n for n in new_sizes if new_sizes[n] != old_sizes[n]} >= {
        "ninek.nt", "ninek.ttl", "ninek.jsonld"}, (old_sizes, new_sizes)
    for name, size in new_sizes.items():
        assert (dist / name).stat().st_size == size
    assert sorted(p.name for p in dist.parent.iterdir()) == ["dist"]
