#!/usr/bin/env bash
# The stepgate benchmark: builds, then runs bench/run.ts (see bench/README.md).
# Loopback only; stops by itself (each load run is time-bounded; the whole run gives up after 9 min).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v h2load >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "h2load not found; installing nghttp2-client" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client >/dev/null
  else
    echo "h2load is required: install nghttp2-client (Debian/Ubuntu) or nghttp2 (Homebrew)" >&2
    exit 1
  fi
fi

# Scenario (e) starts its own redis-server (loopback, no persistence).
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "redis-server not found; installing redis-server" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis-server is required: install redis-server (Debian/Ubuntu) or redis (Homebrew)" >&2
    exit 1
  fi
fi

npm run --silent build
exec node --import tsx bench/run.ts
