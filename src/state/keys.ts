import { createHash } from 'node:crypto';
import { foldedSubject } from '../core/identity.js';
import { GrowingLru } from './growing-lru.js';

/**
 * Redis key names. Subjects are e-mail addresses and sessions come from tokens, so neither
 * appears in clear: both are replaced by a truncated SHA-256 (128 bits, far beyond any
 * collision a user could arrange). The subject hash is the hash tag (`{…}`), so every key of one
 * subject, session keys included, lives in one Redis Cluster slot and one Lua script may touch
 * them all.
 *
 *   <prefix>{<h(subject)>}:c            counters and first-seen time (hash)
 *   <prefix>{<h(subject)>}:i / :p / :d  known IPs / prefixes / devices (sorted set, score = last use)
 *   <prefix>{<h(subject)>}:n            namespaces in the window (sorted set, score = last seen)
 *   <prefix>{<h(subject)>}:k            known client kinds (sorted set, score = last use)
 *   <prefix>{<h(subject)>}:f            first sightings of unknown parts (sorted set, score = first seen)
 *   <prefix>{<h(subject)>}:o            sensitive objects in the window (sorted set, score = last seen)
 *   <prefix>{<h(subject)>}:s:<h(session)>  a session's clients, most recent first, origin, start (hash)
 *   <prefix>{<h(subject)>}:w / :wf     working set namespaces / first sightings of namespaces and
 *                                      sites, and proven networks inside a wider one not yet known
 *   <prefix>{<h(subject)>}:wq / :ws / :wl  pace objects / known sites / last proven site (hash)
 *   <prefix>{<h(subject)>}:wn          proven wider networks (sorted set, score = last use)
 *   <prefix>{<h(subject)>}:wo          familiar objects: read from a proven context (sorted set,
 *                                      score = last such read)
 *   <prefix>{<h(subject)>}:wu          pace objects touched other than by a familiar read (sorted
 *                                      set, score = last seen)
 *   <prefix>{<h(subject)>}:wy          family keys of working-set namespaces (`1:ledger`: what
 *                                      covers lower environments; sorted set, score = last use)
 *   <prefix>{<h(subject)>}:a           assurance levels proven by allowed requests (sorted set,
 *                                      member = rank, score = last proof): assurance_downgrade's,
 *                                      read and written by plain commands, apart from the scripts
 *   <prefix>{<h(subject)>}:m           the subject's last proof of a context (string, ms; PX
 *                                      provenTtlMs): StateStore.provenAt, plain commands
 *   <prefix>{<h(subject)>}:x           device certificates issued in the current window (string,
 *                                      INCR; PEXPIRE set by the first: StateStore.deviceIssues)
 *   <prefix>{approval}                  approvals index (sorted set, score = expiresAt)
 *   <prefix>{approval}:<id>             one approval (hash)
 *   <prefix>ch:<h(credential key)>     last step-up challenge for a credential (string, PX TTL)
 *
 * A "last use" score is written again only when due (sliding.ts refreshIntervals): up to a
 * thousandth of the known TTL old while the member is its set's newest.
 *
 * The Check's script (redis-scripts.ts observeLua) is sent only the counters key and derives the
 * subject's other names from it in Lua: a change to the suffixes above must be made there too
 * (test/integration/state-redis.test.ts checks the names a Check leaves behind).
 */

/** Hashes are cached so a busy subject costs no crypto per request (growing to its bound: growing-lru.ts). */
const hashes = new GrowingLru<string, string>(50_000);

export function opaqueHash(value: string): string {
  let h = hashes.get(value);
  if (h === undefined) {
    h = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32);
    hashes.set(value, h);
  }
  return h;
}

export interface SubjectKeys {
  counters: string;
  ips: string;
  prefixes: string;
  devices: string;
  namespaces: string;
  clients: string;
  sightings: string;
  objects: string;
  /** Still a key in the subject's slot when there is no session, so the script's KEYS are fixed. */
  session: string;
}

export function subjectKeys(prefix: string, subject: string, session: string): SubjectKeys {
  return subjectKeysAt(`${prefix}{${opaqueHash(subject)}}:`, session);
}

/** subjectKeys from the subject's hash (opaqueHash), as the spellings set keeps it. */
export function subjectKeysOfHash(prefix: string, hashed: string): SubjectKeys {
  return subjectKeysAt(`${prefix}{${hashed}}:`, '');
}

function subjectKeysAt(base: string, session: string): SubjectKeys {
  return {
    counters: `${base}c`,
    ips: `${base}i`,
    prefixes: `${base}p`,
    devices: `${base}d`,
    namespaces: `${base}n`,
    clients: `${base}k`,
    sightings: `${base}f`,
    objects: `${base}o`,
    session: session === '' ? `${base}s:` : `${base}s:${opaqueHash(session)}`,
  };
}

/**
 * A subject key (`issuer` newline `subject`, cookies/device-cookie.ts deviceOwner) with its subject
 * folded (core/identity.ts foldedSubject); the issuer is kept as it is. Two keys that fold alike name
 * one account to a subject revocation (incident/board.ts revokedBy), which forgets every one of them
 * (ControlStore.forgetEveryCase).
 */
export function foldedSubjectKey(subjectKey: string): string {
  const cut = subjectKey.indexOf('\n');
  return cut < 0 ? foldedSubject(subjectKey) : subjectKey.slice(0, cut + 1) + foldedSubject(subjectKey.slice(cut + 1));
}

/**
 * The spellings other than the folded one under which a subject's history was learnt, each as its
 * hash (opaqueHash: no subject is written to Redis in the clear), a set in the folded key's slot: written off the response path by `learn` and `learnWork` only when the
 * spelling differs from its folded form, read by a revocation (RedisControl.forgetEveryCase).
 */
export function spellingsKey(prefix: string, subjectKey: string): string {
  return `${prefix}{${opaqueHash(foldedSubjectKey(subjectKey))}}:v`;
}

/** The working-set keys (store.ts WorkObservation): apart from the observe script's, same slot. */
export function workKeys(
  prefix: string,
  subject: string,
): WorkKeys {
  return workKeysAt(`${prefix}{${opaqueHash(subject)}}:`);
}

/** workKeys from the subject's hash (opaqueHash), as the spellings set keeps it. */
export function workKeysOfHash(prefix: string, hashed: string): WorkKeys {
  return workKeysAt(`${prefix}{${hashed}}:`);
}

export type WorkKeys = { namespaces: string; sightings: string; pace: string; sites: string; last: string; nearby: string; familiar: string; paceNew: string; families: string };

function workKeysAt(base: string): WorkKeys {
  return { namespaces: `${base}w`, sightings: `${base}wf`, pace: `${base}wq`, sites: `${base}ws`, last: `${base}wl`, nearby: `${base}wn`, familiar: `${base}wo`, paceNew: `${base}wu`, families: `${base}wy` };
}

/** The subject's proven assurance levels (StateStore.proveLevel): the same slot as its other keys. */
export function levelKey(prefix: string, subject: string): string {
  return `${prefix}{${opaqueHash(subject)}}:a`;
}

/** The subject's proven mark (StateStore.provenAt): the same slot as its other keys. */
export function provenKey(prefix: string, subject: string): string {
  return `${prefix}{${opaqueHash(subject)}}:m`;
}

/** The largest accelerator counts the subject asked (StateStore.learnAccelerators): the same slot. */
export function acceleratorKey(prefix: string, subject: string): string {
  return `${prefix}{${opaqueHash(subject)}}:g`;
}

/** The subject's accelerator-asking writes of the last window (StateStore.recordAccelerators): the same slot. */
export function acceleratorRecentKey(prefix: string, subject: string): string {
  return `${prefix}{${opaqueHash(subject)}}:gr`;
}

/** A workload's per-pod accelerators (StateStore.keepWorkloadAccelerators): a slot of its own. */
export function workloadAcceleratorKey(prefix: string, workload: string): string {
  return `${prefix}{w:${opaqueHash(workload)}}:wg`;
}

export function counterKey(prefix: string, subject: string): string {
  return `${prefix}{${opaqueHash(subject)}}:c`;
}

/**
 * Device-certificate issues (StateStore.deviceIssues). The subject is the issuer and subject as
 * the risk engine names them (risk/engine.ts subjectKey), so the count sits in the same slot as
 * the rest of that subject's keys.
 */
export function deviceIssueKey(prefix: string, issuer: string, subject: string): string {
  return `${prefix}{${opaqueHash(`${issuer}\n${subject}`)}}:x`;
}

export function approvalIndexKey(prefix: string): string {
  return `${prefix}{approval}`;
}

export function approvalKey(prefix: string, id: string): string {
  return `${prefix}{approval}:${id}`;
}

export function challengeKey(prefix: string, key: string): string {
  return `${prefix}ch:${opaqueHash(key)}`;
}

/** An OpenShift console session cookie's binding (ConsoleSessionStore): a hash of the cookie, never the cookie. */
export function consoleSessionKey(prefix: string, key: string): string {
  return `${prefix}cs:${opaqueHash(key)}`;
}

/**
 * Incidents and revocations (issue 15): one slot (`{control}`), so one script updates a kind, its
 * expiry index and the version together.
 *
 *   <prefix>{control}:v                 version counter (string, INCR on every change)
 *   <prefix>{control}:<kind>            records (hash, id → JSON document)
 *   <prefix>{control}:<kind>:e          expiry index (sorted set, score = expiresAt)
 *   <prefix>control                     pub/sub channel announcing each new version
 */
export function controlKeys(prefix: string, kind: string): { records: string; expiry: string; version: string } {
  return { records: `${prefix}{control}:${kind}`, expiry: `${prefix}{control}:${kind}:e`, version: `${prefix}{control}:v` };
}

/**
 * Whether this Redis still holds the history replicas saw in it (StateStore.historyLostAt): a
 * hash with `b`, written once when a replica first finds it absent, `l`, when a replica found
 * history lost, and `m`, from when a subject without a proven mark is vouched never proven
 * (StateStore.absenceVouched: 0 since the first start, else a mark lifetime after a loss), and `e`,
 * the server's run id and `evicted_keys` any replica last saw (`<run id>:<count>`). An empty or rolled-back Redis lacks it, or holds another `b`, while a running
 * replica remembers the one it saw.
 */
export function historyKey(prefix: string): string {
  return `${prefix}{control}:history`;
}

export function controlChannel(prefix: string): string {
  return `${prefix}control`;
}
