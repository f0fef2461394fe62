#!/usr/bin/env bash
# Mutation testing of the modules where a bug hurts most; results in mutation/results.md.
# Slow (about 10-20 s per mutant), so not part of CI. Arguments go to `python -m mutation`
# (e.g. --modules keys,negotiation --max-mutants 40 --jobs 1, --list, --help).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m mutation "$@"
