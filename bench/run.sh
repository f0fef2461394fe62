#!/usr/bin/env bash
# Run the whole benchmark (about 10-15 minutes); results in bench/results.md.
# Extra arguments go to `python -m bench` (e.g. --quick, --sizes 10000,100000, --help).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench "$@"
