"""Where the project's files live, resolved from the repository root.

One place so that the CLI, the server and the tests agree, and so that a test can point a
build at a temporary directory through the environment (``NINEK_DIST``).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SOURCE_FILE = DATA_DIR / "source" / "prosjektoversikt-9k-1998-2005.txt"
INTERPRETATION_DIR = DATA_DIR / "interpretation"
REGISTRY_DIR = DATA_DIR / "registries"
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
WEB_DIR = ROOT / "web"
DIST_DIR = Path(os.environ.get("NINEK_DIST", ROOT / "dist"))
