#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine with Node.js, then runs them all:
# type-check (tsc --noEmit), the dependency rules, the linter and vitest (unit + integration against real servers on loopback).
# CI runs exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the test suite starts for real. Installed with apt-get when missing; with
# CI=true a missing one is a failure, never a skip (the tests themselves do not skip either).
SYSTEM_PACKAGES=(prometheus redis-server openssl nginx chromium)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# Real kubectl: any one already on the PATH (a newer upstream kubectl sends protobuf bodies, which
# the tests then exercise end to end); otherwise the upstream `kubectl` package where an apt
# repository offers it, else Debian's own kubernetes-client.
if ! command -v kubectl >/dev/null 2>&1; then
  if apt-cache show kubectl >/dev/null 2>&1; then missing+=(kubectl); else missing+=(kubernetes-client); fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js >= 20.19 is required, found "+process.version); process.exit(1) }'

npm ci --no-audit --no-fund

# The static checks: the type-check, the layout rules (no import cycles, runtime or type; each
# folder imports only the layers below it, see docs/architecture.md) and the linter. Each is one
# single-threaded process and they read nothing the others write, so they run side by side (one
# after another they took 73 s, the linter alone 51 s). Each one's output is printed whole, in this
# order, once it is done; any failing fails the run before a test starts.
# Beside them, the build the black-box files start (dist/, `npm start`'s prestart: a no-op when
# dist/ is current): on a clean clone the first of those files compiled it inside vitest (23 s of
# tsc CPU, measured 2026-12-06, counted against attack-pss), while here it fills the second core
# beside the linter, which runs alone for most of this step. No check reads dist/ (eslint ignores
# it; the type-check emits nothing).
mkdir -p .artifacts
checks=(typecheck depcheck lint prestart)
pids=()
for c in "${checks[@]}"; do
  npm run --silent "$c" > ".artifacts/$c.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!checks[@]}"; do
  c="${checks[$i]}"
  if wait "${pids[$i]}"; then echo "npm run $c: ok"; else echo "npm run $c: FAILED"; failed=1; fi
  cat ".artifacts/$c.log"
done
[ "$failed" -eq 0 ] || exit 1

status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.artifacts/vitest.json || status=$?

# One plain closing line that any CI log reader understands.
node -e '
const r = JSON.parse(require("fs").readFileSync(".artifacts/vitest.json", "utf8"));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
if (r.numTotalTests === 0) process.exit(1);
' || status=1
exit $status
