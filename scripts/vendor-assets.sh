#!/usr/bin/env bash
# Refresh web/static/vendor/ from the npm registry. Build-time only: the server uses the
# committed files in web/static/vendor/, never node_modules/.
#
#   bash scripts/vendor-assets.sh        (needs node and npm; writes node_modules/, git-ignored)
#
# 1. `npm ci` installs the exact devDependencies of package-lock.json.
# 2. esbuild bundles web/static/vendor/codemirror/entry.mjs (re-exports of CodeMirror 6 and
#    its legacy SPARQL mode) into one minified file, codemirror-sparql.js, that exposes
#    `window.NinekCM` and loads nothing else at run time.
# 3. Each bundled package's LICENSE is copied next to the bundle, and VENDORED.md lists the
#    package versions read from node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund --ignore-scripts
# esbuild's binary comes as the optional package @esbuild/<platform>; no install script needed.

out=web/static/vendor/codemirror
node_modules/.bin/esbuild "$out/entry.mjs" --bundle --minify --format=iife \
  --global-name=NinekCM --target=es2020 --legal-comments=none --charset=utf8 \
  --outfile="$out/codemirror-sparql.js"

packages=(@codemirror/state @codemirror/view @codemirror/commands @codemirror/language
          @codemirror/legacy-modes @lezer/common @lezer/highlight @marijn/find-cluster-break
          style-mod w3c-keyname crelt)
rm -rf "$out/licenses" && mkdir -p "$out/licenses"
{
  echo "# Vendored: CodeMirror 6 with its SPARQL mode"
  echo
  echo "\`codemirror-sparql.js\` is one esbuild bundle (minified IIFE, global \`NinekCM\`) of"
  echo "\`entry.mjs\`, made by \`scripts/vendor-assets.sh\` from the npm registry packages below"
  echo "(exact versions pinned in \`package-lock.json\`). It makes no network request: no"
  echo "CDN, no fonts, no worker scripts. Refresh: \`bash scripts/vendor-assets.sh\`."
  echo
  echo "| package | version | licence | licence file |"
  echo "|---|---|---|---|"
  for p in "${packages[@]}"; do
    [ -d "node_modules/$p" ] || continue
    version=$(node -p "require('./node_modules/$p/package.json').version")
    license=$(node -p "require('./node_modules/$p/package.json').license")
    file="licenses/$(echo "$p" | tr '/@' '__' | sed 's/^_//')-LICENSE"
    cp "node_modules/$p/LICENSE"* "$out/$file" 2>/dev/null || cp "node_modules/$p/LICENSE.md" "$out/$file"
    echo "| \`$p\` | $version | $license | \`$file\` |"
  done
  echo
  echo "Bundler: esbuild $(node_modules/.bin/esbuild --version) (MIT), build-time only."
} > "$out/VENDORED.md"
echo "wrote $out/codemirror-sparql.js ($(wc -c < "$out/codemirror-sparql.js") bytes)"
