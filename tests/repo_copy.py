"""A copy of the repository's build inputs and package, to run the real build on other data.

The build reads its inputs from paths fixed relative to the package
(:mod:`ninek_graph.paths`: ``ROOT = <package>/..``); only the output directory can be
pointed elsewhere (``NINEK_DIST`` or ``--dist``). To run ``ninek-graph build`` on a damaged
or changed copy of the curated data without patching anything, a test copies the package
(unchanged, byte for byte) beside copies of ``data/``, ``ontology/`` and ``shapes/`` and runs
the command line there: ``python -m ninek_graph.cli`` with that directory first on the path,
so ``paths.ROOT`` is the copy. The copy is taken when the test runs, so it holds whatever the
working tree holds (a planted bug included, which is the point).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("ninek_graph", "data", "ontology", "shapes")


@dataclass
class RepoCopy:
    root: Path

    def path(self, relative: str) -> Path:
        return self.root / relative

    def replace_once(self, relative: str, old: str, new: str) -> None:
        """Replace ``old`` (which must occur exactly once) by ``new`` in a copied file."""
        target = self.path(relative)
        text = target.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        target.write_text(text.replace(old, new), encoding="utf-8")

    def env(self, dist: Path, **extra: str) -> dict[str, str]:
        env = dict(os.environ, NINEK_DIST=str(dist), PYTHONPATH=str(self.root),
                   PYTHONDONTWRITEBYTECODE="1", **extra)
        return env

    def cli(self, *args: str, dist: Path, timeout: float = 300,
            preexec_fn=None) -> subprocess.CompletedProcess:
        """``ninek-graph ARGS`` run on this copy, writing to ``dist``."""
        return subprocess.run(
            [sys.executable, "-m", "ninek_graph.cli", *args], cwd=self.root,
            env=self.env(dist), capture_output=True, text=True, timeout=timeout,
            preexec_fn=preexec_fn,
        )

    def package_root(self, dist: Path) -> Path:
        """Where the copy's interpreter finds the project root (a check that the copy, not
        the installed working tree, is what runs)."""
        done = subprocess.run(
            [sys.executable, "-c", "import ninek_graph.paths as p; print(p.ROOT)"],
            cwd=self.root, env=self.env(dist), capture_output=True, text=True, timeout=60,
            check=True,
        )
        return Path(done.stdout.strip())


def make_copy(target: Path) -> RepoCopy:
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copytree(ROOT / name, target / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return RepoCopy(target)


def tree_bytes(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (relative name -> content), to compare byte for byte."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}
