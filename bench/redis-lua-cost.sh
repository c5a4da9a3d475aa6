#!/bin/bash
# What one Lua statement costs inside a Redis script, in redis-server instructions (callgrind):
# each case's body runs 2,000 times in one EVAL, and the count of that EVAL is divided by 2,000.
# The `empty` case is the floor (the EVAL itself spread over its iterations, ~300): subtract it.
# Counts, not time, so the machine's load does not move them (bench/README.md, redis40).
#
#   bash bench/redis-lua-cost.sh [cases file]      # lines: "<name> <Lua statement>"
#
# The data each case reads: k, a sorted set of one member m1; k3, of three (a, b, m1); h, a hash
# of the counters' sixteen fields and a packed field P; s100, a string of ~100 bytes; l, a list of 16.
set -euo pipefail
work=$(mktemp -d)
trap 'kill "$vp" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" --dump-instr=no \
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning >/dev/null 2>&1 &
vp=$!
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.3; done
r() { redis-cli -p "$port" "$@" >/dev/null; }
r zadd k 1765000000000 m1
r zadd k3 1765000000000 a 1765000000001 b 1765000000002 m1
r set s100 "1765000000000,29416666,12,30,29416666,0,0,5883333,0,0,5883333,0,0,,1765000000000,1765000000000,abc"
r rpush l a b c d e f g h i j k l m n o p
r hset h P "1765000000000,29416666,12,30,29416666,0,0,5883333,0,0,5883333,0,0,,1765000000000,1765000000000" \
  t 1765000000000 rb 29416666 rc 12 rp 30 sb 29416666 sc 0 sp 0 db 5883333 dc 0 dp 0 xb 5883333 xc 0 xp 0 x 1765000000000 wx 1765000000000
cases=${1:-/dev/stdin}
if [ $# -eq 0 ]; then
  cases=$work/cases
  cat >"$cases" <<'CASES'
empty local x = 1
zrevrank local r = call('ZREVRANK', 'k', 'm1')
zcount local r = call('ZCOUNT', 'k', '(1764999000000', '+inf')
zcard local r = call('ZCARD', 'k')
zscore local r = call('ZSCORE', 'k', 'm1')
zscore_missing local r = call('ZSCORE', 'k', 'nope')
zrange_last local r = call('ZRANGE', 'k', -1, -1)
zrange_last_withscores local r = call('ZRANGE', 'k', -1, -1, 'WITHSCORES')
zrevrangebyscore_limit1 local r = call('ZREVRANGEBYSCORE', 'k', '+inf', '(1764999000000', 'LIMIT', 0, 1)
zrangebyscore_3 local r = call('ZRANGEBYSCORE', 'k3', '(1764999000000', '+inf')
zadd local r = call('ZADD', 'k', '1765000000500', 'm1')
hget local r = call('HGET', 'h', 't')
hmget_4 local r = call('HMGET', 'h', 't', 'rb', 'rc', 'rp')
hmget_16 local r = call('HMGET', 'h', 't', 'rb', 'rc', 'rp', 'sb', 'sc', 'sp', 'db', 'dc', 'dp', 'xb', 'xc', 'xp', 'bs', 'x', 'wx')
hgetall_17 local r = call('HGETALL', 'h')
hset_2 local r = call('HSET', 'h', 't', '1765000000500', 'rc', '13')
get_100 local r = call('GET', 's100')
concat_45 local x = 'stepgate:v0.0:{a1b2c3d4e5f6a7b8c9d0}:' .. 'i'
format_d local x = string.format('%d', now + i)
plus0 local x = '1765000000000' + 0
tonumber local x = tonumber('1765000000000')
sub local x = string.sub('0101100', 5, 5)
byte_8 local a, b, c, d, e, f, g, h = string.byte('01011001', 1, 8)
floor local x = math.floor(now / 60000)
find_plain local x = string.find('203.0.113.10', ',', 1, true)
closure local f = function(a) return a end
table_empty local t = {}
table_9 local t = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'}
table_concat_6 local x = table.concat({'1', '0', '1765000000000', '12', '30', '0'}, ',')
pcall local ok = pcall(type, 1)
CASES
fi
while read -r name body; do
  [ -z "$name" ] && continue
  script="local now = 1765000000500 local call = redis.call for i = 1, 2000 do $body end return 1"
  r eval "$script" 0
  callgrind_control -z "$vp" >/dev/null 2>&1
  r eval "$script" 0
  callgrind_control -d "$vp" >/dev/null 2>&1
  dump=$(ls -t "$work"/cg.* | head -1)
  echo "$name $(( $(grep -m1 '^summary' "$dump" | awk '{print $2}') / 2000 ))"
done <"$cases"
