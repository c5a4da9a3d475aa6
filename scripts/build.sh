#!/usr/bin/env bash
# Builds stepgate into a self-contained folder that runs with `node dist/cli.js`:
#
#   $OUT/dist/           compiled JavaScript (tsc)
#   $OUT/node_modules/   production dependencies only, installed from package-lock.json
#   $OUT/package.json    (and package-lock.json) — "type": "module" is needed at run time
#   $OUT/examples/       the bundled default configuration
#
# Steps: npm ci, compile (tsc type-checks the sources it compiles and fails the build on an error),
# then a fresh `npm ci --omit=dev`. The tests, bench and demo are type-checked by scripts/test.sh,
# not here: the image ships none of them, and checking them took a third of this script's time.
# The Dockerfile's build stage runs this script, and test/deploy/build.test.ts runs it too, so the
# image's build path is exercised in CI without a Docker engine.
#
#   bash scripts/build.sh                 # -> build/out
#   OUT=/tmp/stepgate bash scripts/build.sh
#
# It works on a copy of the sources in a scratch folder: the repository's own node_modules/ and
# dist/ are never touched, so running it next to a developer's (or CI's) install is safe.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/build/out}"
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac
OUT="${OUT%/}"

# OUT is emptied before it is filled: refuse anything that is not clearly ours to empty.
MARKER=".stepgate-build"
if [ -z "$OUT" ] || [ "$OUT" = "$ROOT" ] || [ "${ROOT#"$OUT"/}" != "$ROOT" ]; then
  echo "build.sh: refusing OUT=$OUT (it is, or contains, the repository)" >&2
  exit 2
fi
if [ -d "$OUT" ] && [ -n "$(ls -A "$OUT")" ] && [ ! -e "$OUT/$MARKER" ]; then
  echo "build.sh: refusing to empty $OUT: not empty and not an earlier build output" >&2
  exit 2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/stepgate-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "build.sh: copying sources to $WORK"
# Everything but installs, outputs and VCS data (the same list as .dockerignore).
tar -C "$ROOT" \
  --exclude=./.git --exclude=node_modules --exclude=./dist --exclude=./build \
  --exclude=./coverage --exclude=./.artifacts \
  -cf - . | tar -C "$WORK/" -xf -

cd "$WORK"
echo "build.sh: npm ci"
npm ci --no-audit --no-fund
echo "build.sh: compile"
npm run --silent build

# Production dependencies only, installed fresh from the lockfile rather than pruned, so nothing a
# dev tool pulled in can linger. The npm cache from the first install makes this quick.
echo "build.sh: production dependencies"
mkdir "$WORK/prod"
cp package.json package-lock.json "$WORK/prod/"
[ -f .npmrc ] && cp .npmrc "$WORK/prod/"
(cd "$WORK/prod" && npm ci --omit=dev --no-audit --no-fund)

rm -rf "$OUT"
mkdir -p "$OUT"
cp -R dist examples package.json package-lock.json "$OUT/"
mv "$WORK/prod/node_modules" "$OUT/node_modules"
touch "$OUT/$MARKER"
echo "build.sh: built $OUT"
