#!/usr/bin/env bash
# The stepgate benchmark: builds, then runs bench/run.ts (see bench/README.md).
# Loopback only; stops by itself (each load run is time-bounded; the whole run (a)-(f) takes about
# 10 min on 2 cores and gives up after about 20, more with BENCH_ROUNDS or BENCH_SECONDS raised).
# Every comparison runs BENCH_ROUNDS (default 3) alternating rounds, (d) and (e) BENCH_SETTING_ROUNDS
# (default 7), and reports median (min-max).
#
#   bash bench/run.sh            scenarios (a)-(f)
#   bash bench/run.sh --all      every scenario: (a)-(f), (g) memory per cached token (1,000,000
#                                tokens), (h) open-loop latency, (w) one process against two,
#                                (s) the 10-minute soak with a Redis outage (bench/soak.ts)
#   --force                      write bench/results.json even when other processes used more than
#                                BENCH_MAX_LOAD CPUs (default: a quarter of them; bench/machine-load.ts)
#                                or BENCH_ROUNDS is below 3; otherwise such a run is printed but not
#                                published, and the exit status is 3
set -euo pipefail
cd "$(dirname "$0")/.."

for arg in "$@"; do
  case "$arg" in
    --all) export BENCH_ONLY=a,b,c,d,e,f,g,h,w,s ;;
    --force) export BENCH_FORCE=1 ;;
    *) echo "usage: bash bench/run.sh [--all] [--force]" >&2; exit 64 ;;
  esac
done

# install_if_missing COMMAND DEBIAN_PACKAGE OTHER_HINT: apt-get as root, else say what to install.
install_if_missing() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "$1 not found; installing $2" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "$1 is required: install $2 (Debian/Ubuntu) or $3 (Homebrew)" >&2
    exit 1
  fi
}

install_if_missing h2load nghttp2-client nghttp2
# Scenario (e) starts its own redis-server (loopback, no persistence).
install_if_missing redis-server redis-server redis

npm run --silent build
exec node --import tsx bench/run.ts
