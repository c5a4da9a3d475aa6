/**
 * The Lua the Redis store runs. Each script does all of one call's reads and writes atomically in
 * one round trip, and mirrors the memory store's rules exactly (sliding.ts, memory.ts): the
 * conformance suite compares the two call for call.
 *
 * Times are the caller's clock (`now` in ARGV), never Redis TIME, so tests control them; expiry is
 * decided from stored timestamps. PEXPIRE (wall-clock) only collects keys whose data is already
 * stale by then. Numbers are written with '%d' because Lua 5.1's tostring would print epoch
 * milliseconds in exponent form.
 */

import { SESSION_CLIENTS } from './session-clients.js';
import type { LimitsMs } from './sliding.js';
import { RUN_COVER_TOKENS } from './run-cover.js';
import { ENTERED_KEEP_MS, ENTERED_UNKNOWN } from './store.js';

/**
 * Key TTLs and the writes they cost. Every key of a subject gets a PEXPIRE of its data's lifetime
 * plus SLACK_MS, so it is renewed at most once per TTL_RENEW_MS: the observe script keeps, in the
 * subject's counters hash, when it last renewed the subject's keys (`x`) and its working-set keys
 * (`wx`), and a session's hash when the session's key was renewed (`x`). Within TTL_RENEW_MS of
 * that, a Check sets no TTL (before: seven to nine PEXPIREs per Check); past it, or when the stamp
 * is missing (new subject, forgotten, expired), it renews every key of the group.
 *
 * Why this never collects live data: every PEXPIRE on these keys, in any script, sets at least the
 * data's lifetime L plus SLACK_MS (2 × TTL_RENEW_MS), and a renewal at time x writes the stamp x
 * only after renewing the group. So a key that exists expires no earlier than x + L + SLACK_MS,
 * and a write skipped at `now` < x + TTL_RENEW_MS leaves it TTL_RENEW_MS beyond now + L, the
 * latest its data can still be read. A key first created by a script gets its TTL right there.
 * The margin absorbs clock differences between replicas of up to TTL_RENEW_MS; a clock behind the
 * stamp renews. What is decided from stored times (known, windows, sessions) does not change at
 * all: the conformance suite compares the answers with the memory store's, call for call.
 */
export const TTL_RENEW_MS = 60_000;
const SLACK_MS = 2 * TTL_RENEW_MS;

const COMMON = `
-- A local: 'redis.call' is two table lookups on each of a Check's ~23 commands.
local call = redis.call
local now = tonumber(ARGV[1])
local renewEvery, slack = ${TTL_RENEW_MS}, ${SLACK_MS}
-- Numbers formatted and text converted, kept for the rest of the call: a batch's Checks write and
-- read the same window buckets, counts and times again and again, and a format ('%d', ~2,500
-- redis-server instructions) or a conversion (strtod, ~1,100) costs ten times a table look-up
-- (bench/README.md, redis40). Both are pure functions of their argument; the tables live as long
-- as the script call, so they hold at most the values one call met.
local fmtd, nums, keyNames = {}, {}, {}
-- What the running Check's subject keeps for the rest of the call (checkBody sets both from
-- keyNames; the working-set-only script keeps into a table of its own). A turn's Checks under load
-- come from few subjects, and the next Check of the same subject in the call reads here what the
-- last one read and wrote, instead of asking Redis again (a table read ~100 redis-server
-- instructions):
-- - kept.h, kept.s (with its key, kept.sk), kept.l: the counters hash's fields (parsed, as the
--   HMGET below leaves them), the session's and the last site's (HMGET's strings), as after the
--   last Check's writes (the counters' sixteen fields ~28,000 instructions, a session's six or a
--   last site's four ~11,000). Nothing else in a script call writes these fields; an entry is
--   taken out before its Check reads it and put back only after that Check's writes to the hash,
--   so a Check that fails part-way leaves none and the next one reads Redis.
-- - sets (kept.z): the subject's known sets' read replies, from the subject's second Check in the
--   call on (known() below); nil before, so that a batch of all-different subjects keeps nothing
--   it will not read again (a table a key made for nothing cost more than the commands it saves:
--   bench/README.md, perf45).
-- Redis runs nothing else during the call, and keyNames lives as long as it.
local kept, sets = {}, nil
-- A session hash's field's place in its HMGET ('u', 't', 'o', 'f', 'x', 'c').
local SESSION_FIELD = {u = 1, t = 2, o = 3, f = 4, x = 5, c = 6}
local format = string.format
local function int(n)
  local r = fmtd[n]
  if r == nil then r = format('%d', n); fmtd[n] = r end
  return r
end
-- Formatted once: a Check writes it a dozen times, and string.format shows in Redis's profile.
local nowS = int(now)
-- A number the scripts wrote (or the caller sent) as decimal text. Arithmetic converts a string
-- once (luaO_str2d, one strtod); tonumber() converts it twice (lua_isnumber, then lua_tonumber),
-- and strtod was 7 % of redis-server's instructions per Check (bench/README.md, redis37). Text
-- that is not a number raises an error instead of reading as absent: the Check fails closed.
local function num(v)
  if not v then return nil end
  local r = nums[v]
  if r == nil then r = v + 0; nums[v] = r end
  return r
end
local function slide(b, cur, prev, W, inc)
  local B = math.floor(now / W)
  if b == nil then b, cur, prev = B, 0, 0
  elseif B == b + 1 then prev, cur, b = cur, 0, B
  elseif B > b + 1 then prev, cur, b = 0, 0, B end
  cur = cur + inc
  local e = now - b * W
  if e < 0 then e = 0 elseif e > W then e = W end
  return b, cur, prev, cur + math.floor((2 * prev * (W - e) + W) / (2 * W))
end
local function expire(key, ttl) call('PEXPIRE', key, int(ttl + slack)) end
local function stale(x)
  x = num(x)
  return x == nil or now < x or now >= x + renewEvery
end
`;

/** Adds a member to a known set, drops expired ones, then the least recently used beyond the cap. */
const ADD_KNOWN = `
local function add(key, m, knownTtl, maxKnown)
  if m == '' then return end
  redis.call('ZADD', key, nowS, m)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', int(now - knownTtl))
  local n = redis.call('ZCARD', key)
  if n > maxKnown then redis.call('ZREMRANGEBYRANK', key, 0, n - maxKnown - 1) end
  expire(key, knownTtl)
end
`;

/**
 * Shared by the observe and observe-work parts:
 * - `sighting(key, max, isKnown, kind, m)`: when the thing was first seen (0 when known or
 *   empty), recording it now in the sorted set `key` (capped at `max` entries) when it is new;
 * - `known(key, m)`: `m` is in the set `key` and was used within the known TTL;
 * - `distinct(key, m, W, cap)`: distinct members seen within W, `m` counted (and its time moved
 *   to now) unless '' or the set is at `cap` without it. The TTL is set only when this call
 *   creates the key (the set was empty), otherwise by the group's renewal.
 * - `tidy(key)`: drops first sightings older than the known TTL, at most once per call and only
 *   when something is about to read them (`sighting`, the pace mark): on a Check whose context is
 *   all known nothing reads them, and stale entries left until then are never seen.
 */
const SHARED = `
local tidied = {}
local function tidy(key)
  if tidied[key] then return end
  tidied[key] = true
  call('ZREMRANGEBYSCORE', key, '-inf', knownCut)
end
local function sighting(key, max, isKnown, kind, m)
  if isKnown or m == '' then return 0 end
  tidy(key)
  local sc = call('ZSCORE', key, kind .. m)
  if sc then return sc + 0 end
  call('ZADD', key, nowS, kind .. m)
  local n = call('ZCARD', key)
  if n > max then call('ZREMRANGEBYRANK', key, 0, n - max - 1) end
  expire(key, knownTtl)
  return now
end
-- A known set's read replies (ZREVRANK of a member, ZCOUNT from a bound, ZSCORE of a member),
-- kept for the script call per key: a turn's Checks come from few subjects, mostly in one
-- millisecond, and ask the same sets the same questions (~3,500-7,000 redis-server instructions a
-- command; a look-up ~100). A reply is a function of the set's members and scores alone (Redis
-- expires no key while a script runs), so it holds until the set is written: every write to a set
-- read through these (use()'s ZADD XX, the family keys' writes in WORK_BLOCK) drops the key's
-- entry. The sets written on every Check (distinct(), first sightings) are read directly.
-- The subject's sets' replies are kept in \`sets\` (above) by key: three tables, by member, by
-- bound and by member.
local function zfor(key)
  local z = sets[key]
  if not z then z = {{}, {}, {}}; sets[key] = z end
  return z
end
local function zrevrank(key, m)
  if not sets then return call('ZREVRANK', key, m) end
  local z = zfor(key)[1]
  local r = z[m]
  -- ZREVRANK of no member is false, kept as it is: nil is "not asked yet".
  if r == nil then r = call('ZREVRANK', key, m); z[m] = r end
  return r
end
local function zcountFrom(key, min)
  if not sets then return call('ZCOUNT', key, min, '+inf') end
  local z = zfor(key)[2]
  local r = z[min]
  if r == nil then r = call('ZCOUNT', key, min, '+inf'); z[min] = r end
  return r
end
local function zscore(key, m)
  if not sets then return call('ZSCORE', key, m) end
  local z = zfor(key)[3]
  local r = z[m]
  if r == nil then r = call('ZSCORE', key, m); z[m] = r end
  return r
end
local function known(key, m)
  if m == '' then return false end
  local sc = zscore(key, m)
  return sc and sc + 0 > now - knownTtl
end
-- known(), and a use of a known member writes its time again only when sliding.ts refreshDue says
-- so: unless it is the set's newest (ZREVRANK 0: highest score, equal scores by descending bytes,
-- as refreshDue orders them) and that newest was written within knownRefresh. Two commands that
-- return integers, where ZSCORE's reply is a double formatted by Redis and parsed again by Lua
-- (strtod, printf: the costliest part of a command in callgrind's profile), and no write.
-- A second value, true, says the time was written (memory.ts used: WRITTEN).
local function use(key, m)
  if m == '' then return false end
  local r = zrevrank(key, m)
  if not r then return false end
  if r == 0 and zcountFrom(key, recentLive) > 0 then return true end
  local sc = zscore(key, m)
  if sc + 0 <= now - knownTtl then return false end
  -- Dropped before the write: a write that raises leaves no reply kept from before it.
  if sets then sets[key] = nil end
  call('ZADD', key, 'XX', nowS, m)
  return true, true
end
-- use(), and how many members of the set are live.
local function useCounted(key, m)
  return use(key, m), zcountFrom(key, knownLive)
end
local function distinct(key, m, W, cap)
  local cut = int(now - W)
  if m == '' then return call('ZCOUNT', key, '(' .. cut, '+inf') end
  -- A member seen within W only moves to now: counting the live ones is the answer, and members
  -- out of the window are dropped only when one is added (the set never exceeds the cap). The
  -- live members are the n highest scores, so m is one of them exactly when its rank from the
  -- top is below n (equal scores are all live or all not). Two integer replies: the live members
  -- themselves as an array cost ~10,000 redis-server instructions for one and ~1,000 more for
  -- each further one (bench/README.md, redis40).
  local n = call('ZCOUNT', key, '(' .. cut, '+inf')
  if n > 0 then
    local r = call('ZREVRANK', key, m)
    if r and r < n then
      call('ZADD', key, nowS, m)
      return n
    end
  end
  -- What ZREMRANGEBYSCORE leaves is exactly the live members: n of them.
  call('ZREMRANGEBYSCORE', key, '-inf', cut)
  if n >= cap then return n end
  call('ZADD', key, nowS, m)
  if n == 0 then expire(key, W) end
  return n + 1
end
-- The session's clients (field 'c'), most recent first, at most ${SESSION_CLIENTS}: session-clients.ts
-- keeps the memory store's the same way. 'u' stays the last family alone, as a replica of the
-- previous version reads and writes it; when such a replica wrote last, its family leads the list.
local function clientsWith(list, x)
  if x == '' or list == x or string.sub(list, 1, #x + 1) == x .. ' ' then return list end
  local out = {x}
  for t in string.gmatch(list, '[^ ]+') do
    if t ~= x and #out < ${SESSION_CLIENTS} then out[#out + 1] = t end
  end
  return table.concat(out, ' ')
end
-- Whether the list's first entry is of family f (its family is what precedes '@' or ' ').
local function leads(list, f)
  if string.sub(list, 1, #f) ~= f then return false end
  local nx = string.sub(list, #f + 1, #f + 1)
  return nx == '' or nx == '@' or nx == ' '
end
`;

/**
 * The store's limits (windows, TTLs, caps, thresholds) are the same on every call, so they are
 * written into the script's text rather than sent as more arguments per Check: ioredis serialises
 * every argument as a string on each call, which was the largest single cost of the Redis path in
 * the CPU profile (bench/README.md).
 */
function limitsLua(l: LimitsMs): string {
  return `
local reqMs, sensMs, denMs, nsMs = ${lit(l.requestsMs)}, ${lit(l.sensitiveMs)}, ${lit(l.denialsMs)}, ${lit(l.namespacesMs)}
local knownTtl, sessTtl = ${lit(l.knownTtlMs)}, ${lit(l.sessionTtlMs)}
local maxNs, subjectTtl = ${lit(l.maxNamespaces)}, ${lit(l.subjectTtlMs)}
local objMs, objThr, destMs, destThr = ${lit(l.objectsMs)}, ${lit(l.objectsThreshold)}, ${lit(l.destructiveMs)}, ${lit(l.destructiveThreshold)}
local maxObj, maxSight = ${lit(l.maxObjects)}, ${lit(l.maxSightings)}
local paceMs, maxWork, paceThr = ${lit(l.paceMs)}, ${lit(l.maxWork)}, ${lit(l.paceThreshold)}
local paceResume = ${lit(l.paceResumeMs)}
local famMs = ${lit(l.familiarMs)}
local knownRefresh, sessRefresh = ${lit(l.knownRefreshMs)}, ${lit(l.sessionRefreshMs)}
local provenTtl = ${lit(l.provenTtlMs)}
local knownCut = int(now - knownTtl)
local knownLive = '(' .. knownCut
local recentLive = '(' .. int(now - knownRefresh)
`;
}

/** A limit as a Lua integer literal; limitsMs() has already made each a positive whole number. */
function lit(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`state store limit ${n} is not a whole number`);
  return String(n);
}

/**
 * `capWork(key, lost, max, ttl)`: the working set's first sightings (`key`) past `max`, the
 * oldest dropped (as sighting() does) and the latest time dropped kept as field `z` of the last
 * site's hash (`lost`): WorkHistory.entered cannot count what is gone, so it answers "unknown"
 * for an authentication up to then (memory.ts capWork).
 */
const CAP_WORK_FN = `
local function capWork(key, lost, max, ttl)
  local n = call('ZCARD', key)
  if n <= max then return end
  local gone = call('ZRANGE', key, 0, n - max - 1, 'WITHSCORES')
  call('ZREMRANGEBYRANK', key, 0, n - max - 1)
  local z = tonumber(gone[#gone])
  if z > (tonumber(call('HGET', lost, 'z') or '0') or 0) then
    call('HSET', lost, 'z', string.format('%d', z))
    expire(lost, ttl)
  end
end
`;

/**
 * `renewWork(K)`: the working-set keys' TTLs (K as for `work`). Every key the work part can create
 * (first sightings, pace) sets its own TTL when it does, so renewing before it runs is enough. The
 * familiar objects (K[7]) are renewed only while familiarity is on: with it off (famMs 0) nothing
 * reads them, and the learn script no longer writes them.
 */
const RENEW_WORK_FN = `${CAP_WORK_FN}
local function renewWork(K)
  expire(K[1], knownTtl)
  expire(K[2], knownTtl)
  expire(K[3], paceMs)
  expire(K[4], knownTtl)
  expire(K[5], knownTtl)
  expire(K[6], knownTtl)
  if famMs > 0 then
    expire(K[7], famMs)
    expire(K[8], paceMs)
  end
  if K[9] then expire(K[9], knownTtl) end
end
`;

/**
 * One Check's subject history, as a block of the Check's script rather than a function: a Lua
 * closure over the thirty-odd limits and helpers it uses costs 12,000 redis-server instructions
 * to create on every call (callgrind, bench/README.md), and the working-set-only script does not
 * need it at all. Runs with K: counters hash, known IPs, known prefixes,
 * known devices, namespaces, session, known clients, first sightings, sensitive objects
 * (K[1]..K[9]). a: ip, prefix, device, ua, namespace, sensitive(0|1), has session(0|1), client,
 * object, destructive, counted, platform (a[1]..a[12]; the four flags as booleans). W: the working-set keys when the same
 * call runs `work`, else nil (their renewal stamp `wx` is kept here, in the counters hash).
 * Sets `o`: firstSeen, ipKnown, prefixKnown, deviceKnown, knownDevices, previousUa, requests,
 * sensitive, denials, namespaces, clientKnown, knownClients, prefixSince, deviceSince,
 * clientSince, sessionOrigin, sessionStart, objects, destructive, behaviourSince, sessionClients.
 */
/** The counters hash's window fields in the order of its HMGET's 2nd to 13th values (`h[2]..h[13]`). */
const COUNTER_FIELDS = ['rb', 'rc', 'rp', 'sb', 'sc', 'sp', 'db', 'dc', 'dp', 'xb', 'xc', 'xp'];

const OBSERVE_BLOCK = `
local ip, prefix, device, ua, ns = a[1], a[2], a[3], a[4], a[5]
local platform = a[12] or ''
-- The flags, each whether its character was '1' (checkBody reads them as bytes).
local inc = a[11] and 1 or 0
local sensInc = a[6] and inc or 0
local destInc = a[10] and inc or 0
local hasSession = a[7]
local client, object = a[8], a[9]

local h = kept.h
if h then kept.h = false
else
h = call('HMGET', K[1], 't', 'rb', 'rc', 'rp', 'sb', 'sc', 'sp', 'db', 'dc', 'dp', 'xb', 'xc', 'xp', 'bs', 'x', 'wx')
-- Each field parsed once (tonumber is strtod, a tenth of redis-server's instructions per Check).
-- num() written out: fourteen calls are ~3,500 instructions.
for i = 1, 14 do
  local v = h[i]
  if v then
    local r = nums[v]
    if r == nil then r = v + 0; nums[v] = r end
    h[i] = r
  else
    -- HMGET's absent field is false: nil, as num() gives.
    h[i] = nil
  end
end
end
-- Renewals first, so that a stamp is never written for keys that were not renewed.
local renew, renewW = stale(h[15]), W ~= nil and stale(h[16])
if renew then
  expire(K[2], knownTtl)
  expire(K[3], knownTtl)
  expire(K[4], knownTtl)
  expire(K[5], nsMs)
  expire(K[7], knownTtl)
  expire(K[8], knownTtl)
  expire(K[9], objMs)
end
if renewW then renewWork(W) end
local t = h[1]
local firstSeen = 0
if t == nil or t <= now - knownTtl then firstSeen = 1 end

local ipKnown, prefixKnown = use(K[2], ip), use(K[3], prefix)
local deviceKnown, knownDevices = useCounted(K[4], device)
local clientKnown, knownClients = useCounted(K[7], client)
-- The proven mark (StateStore.provenAt, keys.ts provenKey) kept alive with the group's renewal
-- while the subject has a proven device or client kind: one working only from known contexts
-- never learns anything, and its mark must not run out while it works.
if renew and (knownDevices > 0 or knownClients > 0) then call('SET', base .. 'm', string.format('%d', now), 'PX', provenTtl) end

local prefixSince = sighting(K[8], maxSight, prefixKnown, 'p:', prefix)
local deviceSince = sighting(K[8], maxSight, deviceKnown, 'd:', device)
local clientSince = sighting(K[8], maxSight, clientKnown, 'c:', client)

local rb, rc, rp, requests = slide(h[2], h[3] or 0, h[4] or 0, reqMs, inc)
local sb, sc, sp, sensitive = slide(h[5], h[6] or 0, h[7] or 0, sensMs, sensInc)
local db, dc, dp, denials = slide(h[8], h[9] or 0, h[10] or 0, denMs, 0)
local xb, xc, xp, destructive = slide(h[11], h[12] or 0, h[13] or 0, destMs, destInc)

if inc == 0 then ns, object = '', '' end
local namespaces = distinct(K[5], ns, nsMs, maxNs)
local objects = distinct(K[9], object, objMs, maxObj)

local bs = h[14]
if objects > objThr or destructive > destThr then
  if bs == nil then bs = now end
else
  bs = nil
end
-- Only the fields that change: most Checks move 't' and one or two counts, and each field
-- written is a lookup in the hash and a number formatted.
-- Written out rather than a helper called twelve times: a Lua call is ~250 instructions, the
-- comparison ~40.
local f = {'t', nowS}
${COUNTER_FIELDS.map((name, i) => `if h[${i + 2}] ~= ${name} then f[#f + 1] = '${name}'; f[#f + 1] = int(${name}) end`).join('\n')}
if bs and h[14] ~= bs then f[#f + 1] = 'bs'; f[#f + 1] = int(bs) end
if renew then f[#f + 1] = 'x'; f[#f + 1] = nowS end
if renewW then f[#f + 1] = 'wx'; f[#f + 1] = nowS end
call('HSET', K[1], unpack(f))
if not bs and h[14] then call('HDEL', K[1], 'bs') end
-- Without a stamp the hash may have just been created: its TTL is set after the write.
if renew then expire(K[1], subjectTtl) end
-- What an HMGET and the loop above would now give (every number is whole, written with '%d'),
-- for the subject's next Check in this call: h itself, rewritten in place.
h[1], h[2], h[3], h[4], h[5], h[6], h[7] = now, rb, rc, rp, sb, sc, sp
h[8], h[9], h[10], h[11], h[12], h[13], h[14] = db, dc, dp, xb, xc, xp, bs
if renew then h[15] = nowS end
if renewW then h[16] = nowS end
kept.h = h

local prevUa, clients, origin, start = '', '', '', now
local token = ua
if ua ~= '' and platform ~= '' then token = ua .. '@' .. platform end
if hasSession then
  local s = kept.sk == K[6] and kept.s
  kept.s, kept.sk = false, false
  if not s then s = call('HMGET', K[6], 'u', 't', 'o', 'f', 'x', 'c') end
  local at = num(s[2])
  if at and at > now - sessTtl then
    prevUa, origin, start = s[1] or '', s[3] or '', num(s[4]) or now
    clients = s[6] or ''
    if prevUa ~= '' and not leads(clients, prevUa) then clients = clientsWith(clients, prevUa) end
    -- The last use only when due (sliding.ts refreshIntervals); on most Checks nothing changes
    -- and the session is not written at all.
    local sf = {}
    if now < at or now - at >= sessRefresh then sf = {'t', nowS} end
    if ua ~= '' then
      local nc = clientsWith(clients, token)
      if ua ~= prevUa then sf[#sf + 1] = 'u'; sf[#sf + 1] = ua end
      if nc ~= s[6] then sf[#sf + 1] = 'c'; sf[#sf + 1] = nc end
    end
    if stale(s[5]) then
      expire(K[6], sessTtl)
      sf[#sf + 1] = 'x'; sf[#sf + 1] = nowS
    end
    if #sf > 0 then
      call('HSET', K[6], unpack(sf))
      for i = 1, #sf, 2 do s[SESSION_FIELD[sf[i]]] = sf[i + 1] end
    end
    kept.s, kept.sk = s, K[6]
  else
    -- Every field is written, so nothing of an expired record survives.
    call('HSET', K[6], 'u', ua, 't', nowS, 'o', prefix, 'f', nowS, 'x', nowS, 'c', token)
    expire(K[6], sessTtl)
    kept.s, kept.sk = {ua, nowS, prefix, nowS, nowS, token}, K[6]
  end
end

o = {firstSeen, ipKnown and 1 or 0, prefixKnown and 1 or 0, deviceKnown and 1 or 0, knownDevices, prevUa, requests, sensitive, denials, namespaces,
  clientKnown and 1 or 0, knownClients, prefixSince, deviceSince, clientSince, origin, start, objects, destructive, bs or 0, clients}
`;

/**
 * The working set, pace and site of a request (store.ts WorkObservation), in keys of its own: a
 * block (`do … end`) in both scripts that use it, for the same reason as OBSERVE_BLOCK. K: working set (namespaces), first sightings of namespaces and sites, pace objects,
 * known sites, last site (hash), proven wider networks, familiar objects, pace objects touched
 * other than by a familiar read, family keys of working-set namespaces (K[1]..K[9]).
 * a: namespace, object, site, nearby, the login's authentication time in ms ('' or '0' none),
 * whether the object is read ('1'; anything else, a caller of the previous version included:
 * not), the namespace's family key ('' or absent: none), the kind (WorkObservation.kind; '' or
 * absent, a caller of a version without kinds: none) (a[1]..a[8]). The caller has renewed the
 * keys' TTLs if due.
 * Sets `w`: namespaceKnown, namespaceSince, workingSet, pace, siteKnown, lastSite, lastSiteAt,
 * siteSince, nearbyKnown, paceSince, nearbyProvenAt, entered, familiar, familyKnown, kindSince,
 * historySince, clusterKnown (memory.ts observeWork: the same steps in the same order).
 */
const WORK_BLOCK = `
local ns, object, site, nearby = a[1], a[2], a[3], a[4]
local auth = tonumber(a[5] or '0') or 0
-- Since when this history has been kept ('h' in the last site's hash): what unfamiliar_kind's
-- maturity is measured from (memory.ts observeWork).
-- A subject away for longer than the known TTL ('a', its last use, written when due) starts again.
-- The last site ('s', 't') is read here too: nothing below writes either field before it is used.
local ha = kept.l
if ha then kept.l = false else ha = call('HMGET', K[5], 'h', 'a', 's', 't') end
local hist, act = num(ha[1]) or 0, num(ha[2]) or 0
if hist <= 0 or act <= now - knownTtl then
  hist = now
  call('HSET', K[5], 'h', nowS, 'a', nowS)
  expire(K[5], knownTtl)
  ha[1], ha[2] = nowS, nowS
elseif act <= now - knownRefresh then
  call('HSET', K[5], 'a', nowS)
  ha[2] = nowS
end
-- Nothing in a script call writes these four fields but the lines above (the run's and capWork's
-- fields are others).
kept.l = ha
local nsKnown, nsWrote = use(K[1], ns)
local nsSince = sighting(K[2], math.huge, nsKnown, 'n:', ns)
if nsSince == now then capWork(K[2], K[5], maxWork, knownTtl) end
-- The namespaces entered since this login, before this one (store.ts WorkHistory.entered).
local entered = 0
if nsSince > 0 and string.byte(ns, 1) ~= 42 and auth > 0 and auth <= nsSince then
  local z = tonumber(call('HGET', K[5], 'z') or '0') or 0
  if auth <= z or auth <= now - math.min(${ENTERED_KEEP_MS}, knownTtl) then entered = ${ENTERED_UNKNOWN}
  else
    local seen = {}
    for _, m in ipairs(call('ZRANGEBYSCORE', K[2], int(auth), int(nsSince))) do
      local kind, name = string.sub(m, 1, 2), string.sub(m, 3)
      -- '*' and '**' (every namespace at once, store.ts ALL_NAMESPACES_*) are not namespaces entered.
      if (kind == 'n:' or kind == 'e:') and name ~= ns and string.byte(name, 1) ~= 42 and not seen[name] then
        seen[name] = true
        entered = entered + 1
      end
    end
  end
end
-- A namespace's family (store.ts WorkObservation.family, family-keys.ts): a known one's key of an
-- explicit tier is written with the namespace's own last use; an unknown one's is looked up at its
-- tier and every higher one.
local fam = a[7] or ''
local famKnown = false
-- The namespace's cluster (store.ts clusterMarker: from the first '@'; none without
-- kubernetes.clusters, and then nothing is read or written for it): its marker is written with a
-- known name's last use, as the family key is, and looked up for an unknown one (clusterKnown).
local clAt = string.find(ns, '@', 1, true)
local mark = clAt and string.sub(ns, clAt) or ''
local clusterKnown = true
if mark ~= '' and not nsKnown then clusterKnown = known(K[9], mark) end
local rank, plus, rest
if fam ~= '' then
  rank, plus, rest = string.match(fam, '^(%d+)(%+?)(:.*)$')
  rank = tonumber(rank)
end
if nsWrote and ((rank and rank > 0) or mark ~= '') then
  -- The known-set replies kept for K[9] (known(), use()) go before it is written.
  if sets then sets[K[9]] = nil end
  -- Kept without the '+' (family-keys.ts canonicalKey); one write for both, in learn()'s order.
  if rank and rank > 0 then call('ZADD', K[9], nowS, string.match(fam, '^%d+') .. rest) end
  if mark ~= '' then call('ZADD', K[9], nowS, mark) end
  call('ZREMRANGEBYSCORE', K[9], '-inf', knownCut)
  local n = call('ZCARD', K[9])
  if n > maxWork then call('ZREMRANGEBYRANK', K[9], 0, n - maxWork - 1) end
  expire(K[9], knownTtl)
end
if rank and not nsKnown then
  if rank < 1 then rank = 1 end
  -- With '+', the stem's shorter whole-token prefixes cover it too (family-keys.ts coveringKeys).
  local cluster = string.match(rest, '@.*$') or ''
  local stem = string.sub(rest, 2, #rest - #cluster)
  while stem and not famKnown do
    for r = 1, rank do
      if known(K[9], int(r) .. ':' .. stem .. cluster) then
        famKnown = true
        break
      end
    end
    stem = plus == '+' and string.match(stem, '^(.+)%-[^%-]*$') or nil
  end
end
-- A kind is kept with the family keys ('k:<kind>', which no family key begins with), alive as it
-- is used; an unknown one gets a first sighting 'k:<kind>' (memory.ts observeWork).
local kind = a[8] or ''
local kindSince = 0
if kind ~= '' and not use(K[9], 'k:' .. kind) then
  kindSince = sighting(K[2], math.huge, false, 'k:', kind)
  if kindSince == now then capWork(K[2], K[5], maxWork, knownTtl) end
end
local siteKnown = known(K[4], site)
local siteSince = sighting(K[2], math.huge, siteKnown, 's:', site)
if siteSince == now then capWork(K[2], K[5], maxWork, knownTtl) end
local workingSet = zcountFrom(K[1], knownLive)
-- A run of nothing but familiar reads counts none of its objects; one new object counts them all
-- (memory.ts observeWork).
local famAt = 0
if a[6] == '1' and object ~= '' and famMs > 0 then
  local sc = call('ZSCORE', K[7], object)
  if sc then sc = sc + 0; if sc > now - famMs then famAt = sc end end
end
local pace = distinct(K[3], object, paceMs, maxObj)
if pace > 0 and famMs > 0 and distinct(K[8], famAt > 0 and '' or object, paceMs, maxObj) == 0 then pace = 0 end
-- A run answered by a sign-in made after it began leaves its start ('qr') and when it was last
-- answered ('qa'); a run within paceResume of that continues it (memory.ts observeWork), only
-- within what it covered: the last run begun afresh is kept in the last site's hash, its start
-- ('rs'), whether the run under way is it resumed ('ru') and its cover ('rc', run-cover.ts, the
-- same string by the same steps). The helpers are made only inside a run, with paceResume on.
local paceSince = 0
if pace > paceThr then
  tidy(K[2])
  local sc = call('ZSCORE', K[2], 'q:')
  local run, parts, dg, covered, coverWith, begins
  if paceResume > 0 then
    run = call('HMGET', K[5], 'rs', 'ru', 'rc')
    parts = function(o)
      local pre, n, name = string.match(o, '^(.*)|([^|]*)|([^|]*)$')
      if not pre then return '', o, false end
      return pre .. '|' .. n, pre .. '|' .. name, n == '' and name == '*'
    end
    dg = function(x) return string.sub(redis.sha1hex(x), 1, 12) end
    covered = function(c, o)
      if o == '' then return true end
      local n, name, everywhere = parts(o)
      return string.find(c, ' N' .. dg(n) .. ' ', 1, true) ~= nil or (not everywhere and string.find(c, ' O' .. dg(name) .. ' ', 1, true) ~= nil)
    end
    coverWith = function(c, o)
      if o == '' or (#c - 1) / 14 + 3 > ${RUN_COVER_TOKENS} then return c end
      local x = ' x' .. dg(o) .. ' '
      if string.find(c, x, 1, true) then return c end
      c = c .. string.sub(x, 2)
      local n, name = parts(o)
      for _, pt in ipairs({{'n', 'N', dg(n)}, {'o', 'O', dg(name)}}) do
        local confirmed = ' ' .. pt[2] .. pt[3] .. ' '
        if not string.find(c, confirmed, 1, true) then
          local pending = ' ' .. pt[1] .. pt[3] .. ' '
          if string.find(c, pending, 1, true) then c = string.gsub(c, pending, confirmed, 1)
          else c = c .. pt[1] .. pt[3] .. ' ' end
        end
      end
      return c
    end
    -- A run begun now: its cover starts as the pace window's objects, oldest first.
    begins = function()
      local c = ' '
      for _, m in ipairs(call('ZRANGEBYSCORE', K[3], '(' .. int(now - paceMs), '+inf')) do c = coverWith(c, m) end
      call('HSET', K[5], 'rs', nowS, 'ru', '0', 'rc', c)
      expire(K[5], knownTtl)
      return now
    end
  end
  if sc then
    paceSince = tonumber(sc)
    if paceResume > 0 and num(run[1]) == paceSince then
      if run[2] ~= '1' then call('HSET', K[5], 'rc', coverWith(run[3] or ' ', object))
      elseif not covered(run[3] or ' ', object) then
        paceSince = begins()
        call('ZADD', K[2], nowS, 'q:')
      end
    end
  else
    paceSince = now
    if paceResume > 0 then
      local qa, qr = call('ZSCORE', K[2], 'qa'), num(call('ZSCORE', K[2], 'qr'))
      if qa and tonumber(qa) > now - paceResume and qr and num(run[1]) == qr and covered(run[3] or ' ', object) then
        paceSince = qr
        call('HSET', K[5], 'ru', '1')
      else paceSince = begins() end
    end
    call('ZADD', K[2], int(paceSince), 'q:')
    expire(K[2], knownTtl)
  end
  if paceResume > 0 and auth > 0 and auth >= paceSince - paceSince % 1000 then call('ZADD', K[2], int(paceSince), 'qr', nowS, 'qa') end
else
  local sc = call('ZSCORE', K[2], 'q:')
  if sc then
    local q = tonumber(sc)
    if auth > 0 and auth >= q - q % 1000 and q > now - paceResume then call('ZADD', K[2], sc, 'qr', nowS, 'qa') end
    call('ZREM', K[2], 'q:')
  end
end
local lastSite, lastAt = ha[3] or '', num(ha[4]) or 0
if lastAt <= now - knownTtl then lastSite, lastAt = '', 0 end
local nearbyKnown = use(K[6], nearby)
-- The latest proof of a network inside a wider one not yet known ('v:<nearby>', learnWork): a
-- sign-in's neighbours may be vouched for by it for a while (risk/engine.ts).
local provenAt = 0
if not nearbyKnown and nearby ~= '' then
  local v = call('ZSCORE', K[2], 'v:' .. nearby)
  if v then v = v + 0; if v > now - knownTtl then provenAt = v end end
end
w = {nsKnown and 1 or 0, nsSince, workingSet, pace, siteKnown and 1 or 0, lastSite, lastAt, siteSince, nearbyKnown and 1 or 0, paceSince, provenAt, entered, famAt, famKnown and 1 or 0, kindSince, hist, clusterKnown and 1 or 0}
`;

function lua(l: LimitsMs): string {
  return `${COMMON}${limitsLua(l)}${SHARED}${RENEW_WORK_FN}`;
}

/**
 * One Check's state in one script call, with as little to send and to decode as possible: the
 * arguments were 15 key names of ~45 bytes and 16 values, and the reply 30 elements that ioredis
 * decodes one by one; the CPU profile of the Redis path put most of its time there
 * (bench/README.md, "What a Check costs on the Redis path").
 *
 * KEYS: one, the subject's counters hash (`<prefix>{h(subject)}:c`, keys.ts). Every other key of
 * the Check is that name with its last character replaced (`…:i`, `…:wq`, `…:s:<h(session)>`),
 * so all of them share its hash tag: one Redis Cluster slot, the one the client routes by, as
 * with the key lists before. The key names and what they hold are unchanged, so a replica running
 * this script and one running the previous one (15 KEYS) share the same state during a rolling
 * upgrade.
 * ARGV: now, flags, session hash ('' when none), ip, prefix, device, ua, namespace, client,
 * object, then, when the flags say the Check has a working-set side, its namespace, object, site
 * and nearby. Values travel as they are (bulk strings are binary-safe); flags are seven '0'/'1'
 * characters: sensitive, has session, destructive, counted, has work, the work's object is read
 * (WorkObservation.read; a caller of an earlier version sends five, and its objects count), the
 * work has a family key (WorkObservation.family; absent: none), the work has a kind
 * (WorkObservation.kind; absent, a caller of an earlier version: none).
 * Then the client's platform ('' none; ARGV[15] with work, else ARGV[11]), and with work the
 * login's authentication time in ms (ARGV[16], WorkObservation.auth), then, when the flags say
 * so, the family key (ARGV[17]) and the kind (next).
 * Returns one string, the values joined by ',': observe's eighteen numeric values (its twenty but
 * the strings) then, with work, work's sixteen (its seventeen but lastSite), in order, each a whole
 * number in decimal (0/1 for a boolean); then previousUa, sessionOrigin, sessionClients and, with
 * work, lastSite, each escaped by REPLY_FN's `e`. One bulk string rather than an array of four or
 * five: ioredis decodes a reply element by element in JavaScript, and for a batch of 64 Checks the
 * nested arrays cost stepgate ~1.9 µs per Check against ~0.3 for one string each (bench/README.md,
 * "Issue 17: the Redis path on the new machine").
 */
export function observeLua(l: LimitsMs): string {
  return `${lua(l)}
${REPLY_FN}
${checkBody('KEYS[1]', (i) => `ARGV[${i}]`)}
`;
}

/**
 * A reply number (the Lua expression `x`, a table read) as text. Lua would print each with '%.14g'
 * (glibc's floating-point printf, the costliest part of the reply in callgrind's profile); most
 * are 0, 1 or now, written as the strings they are.
 */
function replyNumber(x: string): string {
  return `(${x} == 0 and '0' or ${x} == 1 and '1' or ${x} == now and nowS or int(${x}))`;
}

/**
 * A Check's reply as one Lua concatenation: observe's numbers but previousUa and sessionOrigin
 * (o[1..20] but 6 and 16), with work its numbers but lastSite (w[1..16] but 6), then the strings.
 * One concatenation of ~73 operands is one copy into one new string; a table filled in a loop and
 * `table.concat` was ~15,000 redis-server instructions per Check (bench/README.md, redis40).
 */
function replyLua(work: boolean): string {
  const nums = (t: string, n: number, skip: number[]) =>
    Array.from({ length: n }, (_, i) => i + 1).filter((i) => !skip.includes(i)).map((i) => replyNumber(`${t}[${i}]`));
  const parts = [...nums('o', 20, [6, 16]), ...(work ? nums('w', 17, [6]) : []), 'e(o[6])', 'e(o[16])', 'e(o[21])', ...(work ? ['e(w[6])'] : [])];
  return parts.join(" .. ',' .. ");
}

/**
 * `e(v)`: a reply string as text that cannot be mistaken for the ',' between values: '%' and ','
 * written as '%25' and '%2C' (RedisStateStore's observed() undoes it). Most strings hold neither,
 * and are sent as they are.
 */
const REPLY_FN = `
local ESC = {['%'] = '%25', [','] = '%2C'}
-- Kept for the script call, as int() keeps its numbers: a subject's user agent, origin and clients
-- come back Check after Check, and the two finds are ~1,800 instructions.
local escaped = {}
local function e(v)
  if not v or v == '' then return '' end
  local r = escaped[v]
  if r then return r end
  r = v
  -- Plain finds (a byte search each): a pattern with a class is matched byte by byte in Lua.
  if string.find(v, ',', 1, true) or string.find(v, '%', 1, true) then r = (string.gsub(v, '[%%,]', ESC)) end
  escaped[v] = r
  return r
end
`;

/**
 * One Check's part of a script, ending in `return` of its reply (observeLua's). `key` is the
 * counters hash's name and `arg(i)` the Lua expression of its i-th argument (observeLua's ARGV
 * numbering), so that the single script and the batch run the same text.
 */
function checkBody(key: string, arg: (i: string) => string): string {
  return `
local c = ${key}
-- A subject's key names, made once per script call: a turn's Checks under load come from few
-- subjects again and again, and the eighteen names are eighteen new strings of ~45 bytes each
-- (a concatenation is ~700 redis-server instructions; a look-up here ~100, a miss ~300 more).
-- K[6], the session's, is set for each Check.
local kn = keyNames[c]
if not kn then
  local base = string.sub(c, 1, -2)
  kn = {base, {c, base .. 'i', base .. 'p', base .. 'd', base .. 'n', false, base .. 'k', base .. 'f', base .. 'o'}, false, h = false, s = false, sk = false, l = false, z = false}
  keyNames[c] = kn
elseif not kn.z then
  -- The subject's second Check in the call: its sets' replies are kept from now on.
  kn.z = {}
end
kept, sets = kn, kn.z or nil
local base = kn[1]
-- The flags' bytes in one call (49 is '1'); a caller of an earlier version sends fewer, and a
-- missing one is nil: not set.
local f1, f2, f3, f4, f5, f6, f7, f8 = string.byte(${arg('2')}, 1, 8)
local W
if f5 == 49 then
  W = kn[3]
  if not W then
    W = {base .. 'w', base .. 'wf', base .. 'wq', base .. 'ws', base .. 'wl', base .. 'wn', base .. 'wo', base .. 'wu', base .. 'wy'}
    kn[3] = W
  end
end
local o
do
local K = kn[2]
K[6] = base .. 's:' .. ${arg('3')}
local a = {${arg('4')}, ${arg('5')}, ${arg('6')}, ${arg('7')}, ${arg('8')}, f1 == 49, f2 == 49, ${arg('9')}, ${arg('10')}, f3 == 49, f4 == 49, ${arg('(W and 15 or 11)')} or ''}
${OBSERVE_BLOCK}
end
if W then
  local w
  do
  local K, a = W, {${arg('11')}, ${arg('12')}, ${arg('13')}, ${arg('14')}, ${arg('16')}, f6 == 49 and '1' or '0', f7 == 49 and ${arg('17')} or '', f8 == 49 and ${arg('(f7 == 49 and 18 or 17)')} or ''}
  ${WORK_BLOCK}
  end
  return ${replyLua(true)}
end
return ${replyLua(false)}
`;
}

/**
 * Several Checks in one script call (RedisStateStore's batch: the Checks one event-loop turn
 * issued), run one after another in the order given, each exactly as observeLua would run it.
 * What a script call costs before its first command (EVALSHA's setup, the helpers and limits
 * created: ~67,000 redis-server instructions, bench/README.md) is then paid once per batch.
 *
 * KEYS: each Check's counters hash, in order. ARGV: each Check's observeLua ARGV, one after
 * another (11 values, or 16 when its flags say it has a working-set side, one more with its family
 * key and one more with its kind; the platform always sent). `now` and what the helpers derive from it are set again for each Check, so every Check
 * runs on its own clock, as in its own call.
 * Returns one entry per Check: observeLua's reply, or '!' and the error's text when that
 * Check's part failed. Each part runs under pcall, so a failure (a key of the wrong type, say)
 * fails its own Check as a single call would, and the Checks after it still run, as the calls
 * after a failed one would. Writes a failed part made before its error stay, as in a single call
 * (Redis does not roll a script back).
 */
export function observeBatchLua(l: LimitsMs): string {
  return `${lua(l)}
${REPLY_FN}
local function one(c, j)
${checkBody('c', (i) => `ARGV[j + ${i} - 1]`)}
end
local out = {}
local j = 1
for i = 1, #KEYS do
  -- The turn's Checks mostly share a millisecond: what is derived from now (three
  -- string.format, ~7,000 instructions) is formatted again only when it changes. The first
  -- Check's was formatted above, from ARGV[1].
  local t = num(ARGV[j])
  if t ~= now then
    now = t
    nowS = int(now)
    knownCut = int(now - knownTtl)
    knownLive = '(' .. knownCut
    recentLive = '(' .. int(now - knownRefresh)
  end
  tidied = {}
  local ok, r = pcall(one, KEYS[i], j)
  -- A reply begins with a digit (firstSeen); a failed Check's begins with '!'.
  if ok then out[i] = r
  elseif type(r) == 'table' then out[i] = '!' .. tostring(r.err or 'ERR Check failed')
  else out[i] = '!' .. tostring(r) end
  local g5, _, g7, g8 = string.byte(ARGV[j + 1], 5, 8)
  if g5 ~= 49 then j = j + 11
  else
    j = j + 16
    if g7 == 49 then j = j + 1 end
    if g8 == 49 then j = j + 1 end
  end
end
return out
`;
}

/**
 * The working set alone (StateStore.observeWork). KEYS: work's nine; ARGV: now, namespace, object,
 * site, nearby, authentication time (ms), object read ('1' or '0'), family key ('' none), kind
 * ('' none). Without
 * the subject's counters hash there is no renewal stamp: it renews every time.
 */
export function observeWorkLua(l: LimitsMs): string {
  return `${lua(l)}
renewWork(KEYS)
local w
do
local K, a = KEYS, {ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8] or '', ARGV[9] or ''}
${WORK_BLOCK}
end
return w
`;
}

/** KEYS: known IPs, prefixes, devices, clients. ARGV: now, ip, prefix, device, known TTL ms, max known, client. */
export const LEARN_LUA = `${COMMON}${ADD_KNOWN}
local knownTtl, maxKnown = tonumber(ARGV[5]), tonumber(ARGV[6])
add(KEYS[1], ARGV[2], knownTtl, maxKnown)
add(KEYS[2], ARGV[3], knownTtl, maxKnown)
add(KEYS[3], ARGV[4], knownTtl, maxKnown)
add(KEYS[4], ARGV[7], knownTtl, maxKnown)
return 1
`;

/** KEYS: counters hash. ARGV: now, denials window ms, subject TTL ms. */
export const DENIAL_LUA = `${COMMON}
local W, subjectTtl = tonumber(ARGV[2]), tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'db', 'dc', 'dp')
local db, dc, dp = slide(num(h[1]), num(h[2]) or 0, num(h[3]) or 0, W, 1)
redis.call('HSET', KEYS[1], 'db', int(db), 'dc', int(dc), 'dp', int(dp))
expire(KEYS[1], subjectTtl)
return 1
`;

/**
 * Approvals: a hash per record (s state, d data, e expiresAt, c createdAt) and a sorted-set index
 * scored by expiresAt, so expired entries are trimmed by score and the cap drops the record
 * closest to expiry. The index key is the record prefix itself (`…{approval}`), which no record
 * key can equal, so an id cannot collide with it.
 */
const APPROVAL_COMMON = `${COMMON}
local function extendIndex(ttl)
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], int(ttl)) end
end
`;

/** KEYS: record, index. ARGV: now, id, data, ttl ms, cap, record key prefix. */
export const APPROVAL_CREATE_LUA = `${APPROVAL_COMMON}
local id, data, ttl, cap, prefix = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local r = redis.call('HMGET', KEYS[1], 's', 'd', 'e')
if r[1] and tonumber(r[3]) > now then return {r[1], r[2], r[3]} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowS)
local exp = now + ttl
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 's', 'pending', 'd', data, 'e', int(exp), 'c', nowS)
redis.call('PEXPIRE', KEYS[1], int(ttl))
redis.call('ZADD', KEYS[2], int(exp), id)
local n = redis.call('ZCARD', KEYS[2])
if n > cap then
  -- Same slot as KEYS (the {approval} tag), so this is safe on Redis Cluster too.
  for _, v in ipairs(redis.call('ZRANGE', KEYS[2], 0, n - cap - 1)) do redis.call('DEL', prefix .. v) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - cap - 1)
end
extendIndex(ttl)
return {'pending', data, int(exp)}
`;

/** KEYS: record, index. ARGV: now, id, state, data, ttl ms. */
export const APPROVAL_DECIDE_LUA = `${APPROVAL_COMMON}
local id, state, data, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local r = redis.call('HMGET', KEYS[1], 's', 'e')
if not r[1] or r[1] ~= 'pending' or tonumber(r[2]) <= now then return false end
local exp = now + ttl
redis.call('HSET', KEYS[1], 's', state, 'd', data, 'e', int(exp))
redis.call('PEXPIRE', KEYS[1], int(ttl))
redis.call('ZADD', KEYS[2], int(exp), id)
extendIndex(ttl)
return {state, data, int(exp)}
`;

/** KEYS: record, index. ARGV: now, id. */
export const APPROVAL_CONSUME_LUA = `${APPROVAL_COMMON}
local r = redis.call('HMGET', KEYS[1], 's', 'e')
if r[1] == 'approved' and tonumber(r[2]) > now then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 1
end
return 0
`;

/**
 * KEYS: index. ARGV: now, limit, record key prefix. Returns id, state, data, expiresAt per record,
 * newest created first; equal times by id in descending byte order (compared byte by byte: Lua's
 * own string order follows the server's locale).
 */
export const APPROVAL_LIST_LUA = `${COMMON}
local limit, prefix = tonumber(ARGV[2]), ARGV[3]
local recs = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. nowS, '+inf')) do
  local r = redis.call('HMGET', prefix .. id, 's', 'd', 'e', 'c')
  if r[1] and tonumber(r[3]) > now then recs[#recs + 1] = {id, r[1], r[2], r[3], tonumber(r[4])} end
end
local function bytesGreater(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
table.sort(recs, function(a, b)
  if a[5] ~= b[5] then return a[5] > b[5] end
  return bytesGreater(a[1], b[1])
end)
local out = {}
for i = 1, math.min(limit, #recs) do
  local r = recs[i]
  out[#out + 1] = r[1]; out[#out + 1] = r[2]; out[#out + 1] = r[3]; out[#out + 1] = r[4]
end
return out
`;

/**
 * Incidents and revocations: KEYS = records, expiry index, version. Drops expired records, adds
 * this one, drops those expiring soonest beyond the cap (ties: byte order, as in memory), bumps
 * the version and announces it. ARGV: now, id, data, expiresAt, max, channel.
 */
export const CONTROL_PUT_LUA = `
local now = tonumber(ARGV[1])
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now))
for _, id in ipairs(gone) do redis.call('HDEL', KEYS[1], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now))
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
local n = redis.call('ZCARD', KEYS[2])
local max = tonumber(ARGV[5])
if n > max then
  local victims = redis.call('ZRANGE', KEYS[2], 0, n - max - 1)
  for _, id in ipairs(victims) do
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
  end
end
local v = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[6], v)
return v
`;

/** KEYS = records, expiry index, version; ARGV: now, id, channel. Nil when there was no live record. */
export const CONTROL_REMOVE_LUA = `
local e = redis.call('ZSCORE', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
if not e or tonumber(e) <= tonumber(ARGV[1]) then return false end
local v = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[3], v)
return v
`;

/**
 * KEYS = incident records, incident expiry, revocation records, revocation expiry, version,
 * sign-out records, sign-out expiry (after the version, so the first five keep their places),
 * used-approval records, used-approval expiry; ARGV: now. Returns { version, { id, data, exp, … }
 * for incidents, the same for revocations, sign-outs and used approvals }, ordered by id: one
 * consistent view.
 */
export const CONTROL_SNAPSHOT_LUA = `
local now = string.format('%d', tonumber(ARGV[1]))
local function live(records, expiry)
  local out = {}
  local ids = redis.call('ZRANGEBYSCORE', expiry, '(' .. now, '+inf', 'WITHSCORES')
  local sorted = {}
  for i = 1, #ids, 2 do sorted[#sorted + 1] = { ids[i], ids[i + 1] } end
  table.sort(sorted, function(a, b) return a[1] < b[1] end)
  for _, p in ipairs(sorted) do
    local d = redis.call('HGET', records, p[1])
    if d then
      out[#out + 1] = p[1]
      out[#out + 1] = d
      out[#out + 1] = p[2]
    end
  end
  return out
end
local v = redis.call('GET', KEYS[5])
return { v or '0', live(KEYS[1], KEYS[2]), live(KEYS[3], KEYS[4]), live(KEYS[6], KEYS[7]), live(KEYS[8], KEYS[9]) }
`;

/**
 * KEYS: working set, sightings, known sites, last site, wider networks, familiar objects, family
 * keys (absent from a caller of the previous version: no family is kept). ARGV:
 * now, namespace, site, known TTL ms, max work, nearby, the proven network inside it, how many
 * distinct ones make it known, the object read ('' none), familiar TTL ms (0: off), max familiar,
 * whether the network is proven by this request ('1', the default, or '0': a known one reported
 * again, which counts toward the wider network but vouches for nothing), the namespace's family key
 * ('' none; kept when it names an explicit tier, store.ts learnWork), the kind learned ('' or
 * absent: none; kept with the family keys as `k:<kind>`, its first sighting dropped).
 * A script without nearby's last two (a replica of the previous version) learns the wider
 * network at once, as before; without the object, nothing becomes familiar.
 */
export const LEARN_WORK_LUA = `${COMMON}${ADD_KNOWN}${CAP_WORK_FN}
local ns, site, knownTtl, maxWork = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local obj, famTtl = ARGV[9] or '', tonumber(ARGV[10] or '0') or 0
if obj ~= '' and famTtl > 0 then add(KEYS[6], obj, famTtl, tonumber(ARGV[11])) end
local kind = ARGV[14] or ''
if kind ~= '' and KEYS[7] then
  add(KEYS[7], 'k:' .. kind, knownTtl, maxWork)
  redis.call('ZREM', KEYS[2], 'k:' .. kind)
end
if ns ~= '' then
  add(KEYS[1], ns, knownTtl, maxWork)
  -- Its first sighting is kept as 'e:' for a day (store.ts WorkHistory.entered), then dropped.
  local at = redis.call('ZSCORE', KEYS[2], 'n:' .. ns)
  redis.call('ZREM', KEYS[2], 'n:' .. ns)
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', int(now - ${ENTERED_KEEP_MS}))) do
    if string.sub(m, 1, 2) == 'e:' then redis.call('ZREM', KEYS[2], m) end
  end
  if at and tonumber(at) > now - ${ENTERED_KEEP_MS} then redis.call('ZADD', KEYS[2], at, 'e:' .. ns) end
  -- Kept without the '+' an asked key may carry (family-keys.ts canonicalKey).
  local fam = string.gsub(ARGV[13] or '', '^(%d+)%+:', '%1:', 1)
  if KEYS[7] and string.match(fam, '^0*[1-9]%d*:') then add(KEYS[7], fam, knownTtl, maxWork) end
  -- The name's cluster has been worked in (store.ts clusterMarker, WorkHistory.clusterKnown).
  local at = string.find(ns, '@', 1, true)
  if KEYS[7] and at then add(KEYS[7], string.sub(ns, at), knownTtl, maxWork) end
end
if site ~= '' then
  add(KEYS[3], site, knownTtl, maxWork)
  redis.call('ZREM', KEYS[2], 's:' .. site)
  redis.call('HSET', KEYS[4], 's', site, 't', nowS)
  expire(KEYS[4], knownTtl)
end
local nearby, net, minNets = ARGV[6] or '', ARGV[7] or '', tonumber(ARGV[8] or '1') or 1
if nearby ~= '' then
  local sc = redis.call('ZSCORE', KEYS[5], nearby)
  if minNets <= 1 or net == '' or (sc and tonumber(sc) > now - knownTtl) then
    add(KEYS[5], nearby, knownTtl, maxWork)
  else
    -- Each proven network inside the wider one is a sighting 'p:<nearby>|<network>' until enough
    -- distinct ones make it known (memory.ts learnWork does the same).
    local tag = 'p:' .. nearby .. '|'
    local all = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
    local others = 0
    for i = 1, #all, 2 do
      local m = all[i]
      if string.sub(m, 1, #tag) == tag and m ~= tag .. net and tonumber(all[i + 1]) > now - knownTtl then others = others + 1 end
    end
    if others + 1 >= minNets then
      add(KEYS[5], nearby, knownTtl, maxWork)
      for i = 1, #all, 2 do
        if string.sub(all[i], 1, #tag) == tag then redis.call('ZREM', KEYS[2], all[i]) end
      end
    else
      redis.call('ZADD', KEYS[2], nowS, tag .. net)
      -- Only a network this sign-in proved vouches for its neighbours (ARGV[12]; absent from a
      -- caller of the previous version, which set it for every report).
      if (ARGV[12] or '1') ~= '0' then redis.call('ZADD', KEYS[2], nowS, 'v:' .. nearby) end
      capWork(KEYS[2], KEYS[4], maxWork, knownTtl)
      expire(KEYS[2], knownTtl)
    end
  end
end
return 1
`;

/**
 * One device-certificate issue counted (KEYS[1] deviceIssueKey, ARGV[1] the window in ms): INCR,
 * and the window's expiry set by the issue that opened it. In one script so that no crash between
 * the two leaves a count without an expiry, which would hold the subject at its limit for good; a
 * count found without one (written by hand, say) gets one too.
 */
export const ISSUE_TAKE_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

/**
 * An OpenShift console session cookie bound to a subject (ConsoleSessionStore.bind): KEYS[1]
 * consoleSessionKey, ARGV[1] the subject's hash, ARGV[2] the TTL (ms), ARGV[3] now (ms, the
 * caller's clock). The value is `<subject hash> <expires at>`; expiry is decided from it, PX only
 * collects the key. 1: bound to ARGV[1] (now or before), 0: bound to another subject. In one
 * script so that two replicas binding the same new cookie at once cannot both win.
 */
export const CONSOLE_BIND_LUA = `
local now = tonumber(ARGV[3])
local v = redis.call('GET', KEYS[1])
if v then
  local sp = string.find(v, ' ', 1, true)
  local exp = sp and tonumber(string.sub(v, sp + 1))
  -- A record that cannot be read is no free cookie: the caller fails as for an unreachable store.
  if not exp then return redis.error_reply('malformed console session binding') end
  if exp > now then
    if string.sub(v, 1, sp - 1) == ARGV[1] then return 1 end
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. (now + tonumber(ARGV[2])), 'PX', ARGV[2])
return 1
`;
