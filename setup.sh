#!/usr/bin/env bash
# Set up ninek-graph on a fresh machine: a .venv/ with the package and its console script
# `ninek-graph`. With --test, also the test dependencies: Python packages, and the Debian
# packages the integration tests run for real (Virtuoso, raptor/rasqal, Chromium) listed
# in .ci/apt-packages.txt. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (use --test or nothing)" >&2; exit 2 ;;
  esac
done

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$with_tests" = 1 ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 .venv/bin/python -m pip install --quiet -e '.[test]'
else
  .venv/bin/python -m pip install --quiet -e .
fi

if [ "$with_tests" = 1 ] && [ -f .ci/apt-packages.txt ]; then
  missing=()
  while read -r pkg; do
    [ -z "$pkg" ] || [ "${pkg#\#}" != "$pkg" ] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done < .ci/apt-packages.txt
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "setup.sh: the tests need these Debian packages: ${missing[*]}" >&2
      echo "  sudo apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
fi
echo "ninek-graph is set up in .venv/ ($(.venv/bin/ninek-graph --help | head -1))"
