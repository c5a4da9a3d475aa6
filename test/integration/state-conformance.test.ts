import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_ADDRESS_NETWORK } from '../../src/request/client-ip.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { RedisStateStore } from '../../src/state/redis.js';
import type { ApprovalRecord, Observation, StateStore, SubjectHistory, WorkHistory, WorkObservation } from '../../src/state/store.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * One table of scenarios, run against the memory store and against the Redis store on a real
 * redis-server: both must give the same answer to every call (the risk engine must decide the
 * same on one replica or many), and the answers must be the expected ones.
 */

const LIMITS = TEST_LIMITS;
const S = 1000;
/** A multiple of every window, so bucket arithmetic in the expectations starts at a boundary. */
const T = 1_764_000_000_000;
const ALICE = 'alice@example.com';

type Step =
  | { at: number; observe: Partial<Observation>; expect?: Partial<SubjectHistory> }
  | { at: number; deny: string }
  | { at: number; learn: [ip: string, ipPrefix: string, device: string, client?: string]; subject?: string }
  | { at: number; create: [id: string, data: string, ttlMs: number]; expect?: Partial<ApprovalRecord> }
  | { at: number; get: string; expect?: Partial<ApprovalRecord> | null }
  | { at: number; decide: [id: string, state: 'approved' | 'rejected', data: string, ttlMs: number]; expect?: Partial<ApprovalRecord> | null }
  | { at: number; consume: string; expect?: boolean }
  | { at: number; list: number; expect?: string[] }
  | { at: number; remember: [key: string, data: string, ttlMs: number] }
  | { at: number; challenge: string; expect?: Partial<{ data: string; expiresAt: number }> | null }
  // The working set: alone (observeWork) or as a Check sends it (`check`: observeAll, where a store has it).
  | { at: number; work: Partial<WorkObservation>; check?: boolean; expect?: Partial<WorkHistory> }
  | { at: number; learnWork: string; subject?: string }
  // An OpenShift console session cookie bound to a subject (ConsoleSessionStore.bind).
  | { at: number; bind: [key: string, subject: string, ttlMs: number]; expect?: boolean };

interface Scenario {
  name: string;
  steps: Step[];
}

const obs = (at: number, o: Partial<Observation>, expect?: Partial<SubjectHistory>): Step => ({ at, observe: o, expect });
/** An observation, then learning its place: what an allowed request with a fresh step-up does. */
const seen = (at: number, o: Partial<Observation>, expect?: Partial<SubjectHistory>): Step[] => [
  obs(at, o, expect),
  { at, learn: [o.ip ?? '', o.ipPrefix ?? '', o.device ?? ''], subject: o.subject },
];
const laptop = { ip: '203.0.113.7', ipPrefix: '203.0.113.0/24', device: 'cert:laptop' };
/** A working-set observation of `namespace`, alone and as a Check sends it. */
const work = (at: number, namespace: string, expect: Partial<WorkHistory>): Step[] => [
  { at, work: { namespace }, expect },
  { at, work: { namespace }, check: true, expect },
];

const SCENARIOS: Scenario[] = [
  {
    name: 'first sighting, then a known subject',
    steps: [
      obs(T, {}, { firstSeen: true, ipKnown: false, prefixKnown: false, deviceKnown: false, knownDevices: 0, requests: 1, sensitive: 0, denials: 0, namespaces: 0, previousUaFamily: '' }),
      obs(T + 1, {}, { firstSeen: false, requests: 2 }),
      obs(T + 2, { subject: 'bob@example.com' }, { firstSeen: true, requests: 1 }),
    ],
  },
  {
    name: 'learning makes ip, prefix and device known; the observation before it saw them unknown',
    steps: [
      ...seen(T, { ...laptop }, { ipKnown: false, prefixKnown: false, deviceKnown: false, knownDevices: 0 }),
      obs(T + S, laptop, { ipKnown: true, prefixKnown: true, deviceKnown: true, knownDevices: 1 }),
      obs(T + 2 * S, { ip: '203.0.113.99', ipPrefix: '203.0.113.0/24', device: 'fp:other' }, { ipKnown: false, prefixKnown: true, deviceKnown: false, knownDevices: 1 }),
      obs(T + 3 * S, { ...laptop, subject: 'mallory@example.com' }, { ipKnown: false, prefixKnown: false, deviceKnown: false, knownDevices: 0 }),
      ...seen(T + 4 * S, { ip: '', ipPrefix: '', device: '' }, { ipKnown: false, prefixKnown: false, deviceKnown: false, knownDevices: 1 }),
    ],
  },
  {
    // The risk engine's network for a request without a client address (client-ip.ts
    // NO_ADDRESS_NETWORK): no ip, a prefix with a space in it. Sighted, a session's origin (told
    // from the session's next use on), then learned like any network; both stores keep its text.
    name: 'a request without a client address: its network is sighted, an origin and learned, with no ip',
    steps: [
      obs(T, { ip: '', ipPrefix: NO_ADDRESS_NETWORK, device: '', session: 's1' }, { ipKnown: false, prefixKnown: false, prefixSince: T, sessionOrigin: '' }),
      obs(T + S, { ...laptop, session: 's1' }, { prefixKnown: false, prefixSince: T + S, sessionOrigin: NO_ADDRESS_NETWORK }),
      obs(T + 2 * S, { ip: '', ipPrefix: NO_ADDRESS_NETWORK, device: '' }, { prefixKnown: false, prefixSince: T }),
      { at: T + 3 * S, learn: ['', NO_ADDRESS_NETWORK, ''] },
      obs(T + 4 * S, { ip: '', ipPrefix: NO_ADDRESS_NETWORK, device: '' }, { ipKnown: false, prefixKnown: true, prefixSince: 0 }),
      obs(T + 5 * S, { ...laptop }, { prefixKnown: false }),
    ],
  },
  {
    name: 'learn after an allow: the next request finds the place known; empty parts are skipped',
    steps: [
      obs(T, laptop, { firstSeen: true, ipKnown: false, prefixKnown: false, deviceKnown: false, knownDevices: 0 }),
      { at: T + 1, learn: [laptop.ip, laptop.ipPrefix, laptop.device] },
      obs(T + S, laptop, { firstSeen: false, ipKnown: true, prefixKnown: true, deviceKnown: true, knownDevices: 1 }),
      { at: T + 2 * S, learn: ['198.51.100.1', '198.51.100.0/24', ''] },
      obs(T + 3 * S, { ip: '198.51.100.1', ipPrefix: '198.51.100.0/24', device: '' }, { ipKnown: true, prefixKnown: true, deviceKnown: false, knownDevices: 1 }),
      { at: T + 4 * S, learn: ['192.0.2.1', '', 'd2'] },
      { at: T + 5 * S, learn: ['192.0.2.2', '', 'd3'] },
      obs(T + 6 * S, { device: 'd2' }, { deviceKnown: true, knownDevices: 3 }),
      { at: T + 7 * S, learn: ['', '', 'd4'] },
      // The cap (3) holds for learn() too: the laptop device, least recently used, is dropped.
      obs(T + 8 * S, { device: laptop.device }, { deviceKnown: false, knownDevices: 3 }),
    ],
  },
  {
    name: 'known devices are capped, least recently used dropped first',
    steps: [
      ...seen(T, { device: 'd1' }),
      ...seen(T + 1, { device: 'd2' }),
      ...seen(T + 2, { device: 'd3' }, { knownDevices: 2 }),
      obs(T + 3, { device: 'd1' }, { deviceKnown: true, knownDevices: 3 }), // use refreshes d1
      ...seen(T + 4, { device: 'd4' }, { deviceKnown: false, knownDevices: 3 }),
      obs(T + 5, { device: 'd2' }, { deviceKnown: false, knownDevices: 3 }),
      obs(T + 6, { device: 'd1' }, { deviceKnown: true }),
      obs(T + 7, { device: 'd3' }, { deviceKnown: true }),
      obs(T + 8, { device: 'd4' }, { deviceKnown: true, knownDevices: 3 }),
    ],
  },
  {
    name: 'equal last use: the cap drops in byte order, the same in both stores',
    steps: [
      ...seen(T, { ip: '192.0.2.3' }),
      ...seen(T, { ip: '192.0.2.2' }),
      ...seen(T, { ip: '192.0.2.1' }),
      ...seen(T, { ip: '192.0.2.4' }),
      obs(T + 1, { ip: '192.0.2.1' }, { ipKnown: false }),
      obs(T + 2, { ip: '192.0.2.2' }, { ipKnown: true }),
      obs(T + 3, { ip: '192.0.2.4' }, { ipKnown: true }),
    ],
  },
  {
    name: 'known entries expire after knownTtl from last use; a subject expires too',
    steps: [
      ...seen(T, { ...laptop }, { firstSeen: true }),
      obs(T + 3600 * S - 1, laptop, { firstSeen: false, ipKnown: true, deviceKnown: true }),
      // Seen again just now, so still known one TTL later minus a millisecond.
      obs(T + 2 * 3600 * S - 2, laptop, { firstSeen: false, ipKnown: true, prefixKnown: true, deviceKnown: true, knownDevices: 1 }),
      obs(T + 3 * 3600 * S - 2, laptop, { firstSeen: true, ipKnown: false, prefixKnown: false, deviceKnown: false, knownDevices: 0 }),
    ],
  },
  {
    // sliding.ts refreshIntervals: with these limits a thousandth of the TTL is 3.6 s (known) and 0.6 s (session).
    name: 'a use writes the last use again only once it is a thousandth of its TTL old (known entries and sessions)',
    steps: [
      ...seen(T, { ...laptop }),
      obs(T + 3599, laptop, { ipKnown: true, prefixKnown: true, deviceKnown: true }),
      // Not written at 3.599 s: forgotten one TTL after the learning, 3.6 s early, never later.
      obs(T + 3600 * S, laptop, { firstSeen: false, ipKnown: false, prefixKnown: false, deviceKnown: false, knownDevices: 0 }),
      ...seen(T + 3601 * S, { ...laptop }),
      // 3.6 s old: written, so known until one TTL after this use.
      obs(T + 3601 * S + 3600, laptop, { ipKnown: true, deviceKnown: true }),
      obs(T + 7201 * S + 3599, laptop, { ipKnown: true, prefixKnown: true, deviceKnown: true, knownDevices: 1 }),
      obs(T, { session: 's1', uaFamily: 'kubectl' }, { previousUaFamily: '' }),
      obs(T + 599, { session: 's1', uaFamily: 'kubectl' }, { previousUaFamily: 'kubectl', sessionStart: T }),
      obs(T + 600 * S, { session: 's1', uaFamily: 'kubectl' }, { previousUaFamily: '', sessionStart: T + 600 * S }),
      obs(T + 600 * S + 600, { session: 's1', uaFamily: 'kubectl' }, { previousUaFamily: 'kubectl' }),
      obs(T + 1200 * S + 599, { session: 's1', uaFamily: 'kubectl' }, { previousUaFamily: 'kubectl', sessionStart: T + 600 * S }),
    ],
  },
  {
    name: 'a recent use of the newest entry is not written, any other is: the cap still drops the least recently used',
    steps: [
      ...seen(T, { ip: '192.0.2.2' }),
      ...seen(T, { ip: '192.0.2.1' }),
      ...seen(T, { ip: '192.0.2.3' }),
      // Equal times: .3 is the newest (byte order, as Redis ranks them), so its use is not written;
      // .2 is not, so its use is.
      obs(T + 1, { ip: '192.0.2.3' }, { ipKnown: true }),
      obs(T + 1, { ip: '192.0.2.2' }, { ipKnown: true }),
      // Over the cap (3): first .1 (T, lowest bytes) goes, then .3 (still T).
      ...seen(T + 2, { ip: '192.0.2.4' }),
      ...seen(T + 3, { ip: '192.0.2.5' }),
      obs(T + 4, { ip: '192.0.2.1' }, { ipKnown: false }),
      obs(T + 5, { ip: '192.0.2.3' }, { ipKnown: false }),
      obs(T + 6, { ip: '192.0.2.2' }, { ipKnown: true }),
      obs(T + 7, { ip: '192.0.2.5' }, { ipKnown: true }),
    ],
  },
  {
    name: 'request and sensitive counters slide over two buckets and decay',
    steps: [
      ...Array.from({ length: 10 }, (_, i) => obs(T + i, { sensitive: i % 2 === 0 }, { requests: i + 1, sensitive: Math.floor(i / 2) + 1 })),
      // Half-way through the next bucket: 1 + round(10 × 0.5) requests, 1 + round(5 × 0.5 = 2.5 → 3) sensitive.
      obs(T + 90 * S, { sensitive: true }, { requests: 6, sensitive: 4 }),
      obs(T + 90 * S + 1, {}, { requests: 7, sensitive: 3 }),
      // A quarter into the bucket after: 1 + round(2 × 0.75).
      obs(T + 135 * S, {}, { requests: 3, sensitive: 1 }),
      // Two idle windows later nothing remains but this request.
      obs(T + 300 * S, {}, { requests: 1, sensitive: 0 }),
    ],
  },
  {
    name: 'denials are counted from recordDenial, slide, and do not mark the subject seen',
    steps: [
      { at: T, deny: ALICE },
      { at: T + 1, deny: ALICE },
      { at: T + 2, deny: ALICE },
      obs(T + 3, {}, { firstSeen: true, denials: 3, requests: 1 }),
      { at: T + 4, deny: 'bob@example.com' },
      obs(T + 5, {}, { denials: 3 }),
      // Half-way through the next 300 s bucket: round(3 × 0.5 = 1.5) = 2.
      obs(T + 450 * S, {}, { denials: 2 }),
      obs(T + 900 * S, {}, { denials: 0 }),
    ],
  },
  {
    name: 'distinct namespaces in the window, capped',
    steps: [
      obs(T, { namespace: 'a' }, { namespaces: 1 }),
      obs(T + 1, { namespace: 'b' }, { namespaces: 2 }),
      obs(T + 2, { namespace: 'a' }, { namespaces: 2 }),
      obs(T + 3, {}, { namespaces: 2 }),
      obs(T + 4, { namespace: 'c' }, { namespaces: 3 }),
      obs(T + 5, { namespace: 'd' }, { namespaces: 3 }),
      // b (last seen T+1) has left the 600 s window, a (T+2) has not.
      obs(T + 600 * S + 1, {}, { namespaces: 2 }),
      obs(T + 600 * S + 1, { namespace: 'd' }, { namespaces: 3 }),
      // a (last seen T+2) leaves the window now.
      obs(T + 600 * S + 2, {}, { namespaces: 2 }),
      obs(T + 1300 * S, {}, { namespaces: 0 }),
    ],
  },
  {
    // A member still in the set but out of the window is not one of the live ones: the Redis
    // script tells them apart by its rank among the live members (redis-scripts.ts distinct).
    name: 'a namespace back after leaving the window, while another is in it, counts as new',
    steps: [
      obs(T, { namespace: 'a' }, { namespaces: 1 }),
      obs(T + 300 * S, { namespace: 'b' }, { namespaces: 2 }),
      obs(T + 600 * S + 1, { namespace: 'a' }, { namespaces: 2 }),
      obs(T + 600 * S + 2, {}, { namespaces: 2 }),
      obs(T + 900 * S + 1, {}, { namespaces: 1 }),
    ],
  },
  {
    name: 'user-agent family per session, with its TTL',
    steps: [
      obs(T, { session: 's1', uaFamily: 'kubectl' }, { previousUaFamily: '' }),
      obs(T + 1, { session: 's1', uaFamily: 'chrome' }, { previousUaFamily: 'kubectl' }),
      obs(T + 2, { session: 's2', uaFamily: 'curl' }, { previousUaFamily: '' }),
      obs(T + 3, { session: 's1', uaFamily: '' }, { previousUaFamily: 'chrome' }),
      obs(T + 4, { session: 's1', uaFamily: 'chrome' }, { previousUaFamily: 'chrome' }),
      obs(T + 5, { session: '', uaFamily: 'chrome' }, { previousUaFamily: '' }),
      obs(T + 5 + 600 * S, { session: 's1', uaFamily: 'curl' }, { previousUaFamily: '' }),
      obs(T + 6 + 600 * S, { session: 's1', uaFamily: 'curl', subject: 'bob@example.com' }, { previousUaFamily: '' }),
    ],
  },
  {
    name: "a session's clients: family and platform, most recent first, at most six, with the session's TTL",
    steps: [
      obs(T, { session: 's1', uaFamily: 'kubectl', platform: 'linux' }, { previousUaFamily: '', sessionClients: '' }),
      obs(T + 1, { session: 's1', uaFamily: 'chrome', platform: 'mac' }, { previousUaFamily: 'kubectl', sessionClients: 'kubectl@linux' }),
      obs(T + 2, { session: 's1', uaFamily: 'kubectl', platform: 'windows' }, { previousUaFamily: 'chrome', sessionClients: 'chrome@mac kubectl@linux' }),
      // A client naming no platform is its family alone; no user agent changes nothing.
      obs(T + 3, { session: 's1', uaFamily: 'argocd' }, { sessionClients: 'kubectl@windows chrome@mac kubectl@linux' }),
      obs(T + 4, { session: 's1', uaFamily: '' }, { previousUaFamily: 'argocd', sessionClients: 'argocd kubectl@windows chrome@mac kubectl@linux' }),
      // Seen again: moved to the front, not repeated.
      obs(T + 5, { session: 's1', uaFamily: 'kubectl', platform: 'linux' }, { sessionClients: 'argocd kubectl@windows chrome@mac kubectl@linux' }),
      obs(T + 6, { session: 's1', uaFamily: 'curl' }, { previousUaFamily: 'kubectl', sessionClients: 'kubectl@linux argocd kubectl@windows chrome@mac' }),
      obs(T + 7, { session: 's1', uaFamily: 'helm' }, { sessionClients: 'curl kubectl@linux argocd kubectl@windows chrome@mac' }),
      obs(T + 8, { session: 's1', uaFamily: 'k9s', platform: 'linux' }, { sessionClients: 'helm curl kubectl@linux argocd kubectl@windows chrome@mac' }),
      // Six at most: the least recent is dropped.
      obs(T + 9, { session: 's1', uaFamily: 'k9s', platform: 'linux' }, { sessionClients: 'k9s@linux helm curl kubectl@linux argocd kubectl@windows' }),
      obs(T + 10, { session: 's2', uaFamily: 'kubectl', platform: 'mac' }, { sessionClients: '' }),
      obs(T + 10 + 600 * S, { session: 's1', uaFamily: 'kubectl', platform: 'linux' }, { previousUaFamily: '', sessionClients: '' }),
    ],
  },
  {
    name: 'first sightings: recorded once while unknown, kept by refused requests, gone once known',
    steps: [
      obs(T, { ...laptop, client: 'interactive' }, { prefixSince: T, deviceSince: T, clientSince: T, clientKnown: false, knownClients: 0 }),
      obs(T + 5 * S, { ...laptop, client: 'interactive' }, { prefixSince: T, deviceSince: T, clientSince: T }),
      obs(T + 6 * S, { ...laptop, client: 'curl' }, { prefixSince: T, clientSince: T + 6 * S }),
      { at: T + 7 * S, learn: [laptop.ip, laptop.ipPrefix, laptop.device, 'interactive'] },
      obs(T + 8 * S, { ...laptop, client: 'interactive' }, { prefixSince: 0, deviceSince: 0, clientSince: 0, clientKnown: true, knownClients: 1 }),
      obs(T + 9 * S, { ...laptop, client: 'curl' }, { clientKnown: false, clientSince: T + 6 * S }),
      obs(T + 10 * S, { ip: '', ipPrefix: '', device: '', client: '' }, { prefixSince: 0, deviceSince: 0, clientSince: 0 }),
      // Sightings expire with known_ttl: seen again later, the part gets its new first sighting.
      obs(T + 3700 * S, { ...laptop, ipPrefix: '198.51.100.0/24', client: 'curl' }, { prefixSince: T + 3700 * S, clientSince: T + 3700 * S }),
    ],
  },
  {
    name: 'first sightings are capped (3 × max known), oldest dropped first',
    steps: [
      ...Array.from({ length: 10 }, (_, i) => obs(T + i, { ipPrefix: `p${i}` }, { prefixSince: T + i })),
      // p0 was dropped when p9 came: seen again, it is a new sighting; p1 is still there.
      obs(T + 20, { ipPrefix: 'p0' }, { prefixSince: T + 20 }),
      obs(T + 21, { ipPrefix: 'p2' }, { prefixSince: T + 2 }),
    ],
  },
  {
    name: 'a session remembers the network and time of its first use',
    steps: [
      obs(T, { session: 's1', ipPrefix: 'home' }, { sessionOrigin: '', sessionStart: T }),
      obs(T + S, { session: 's1', ipPrefix: 'evil' }, { sessionOrigin: 'home', sessionStart: T }),
      obs(T + 2 * S, { session: 's2', ipPrefix: 'evil' }, { sessionOrigin: '', sessionStart: T + 2 * S }),
      obs(T + 3 * S, { session: 's2', ipPrefix: 'home' }, { sessionOrigin: 'evil', sessionStart: T + 2 * S }),
      obs(T + 4 * S, { session: '', ipPrefix: 'home' }, { sessionOrigin: '', sessionStart: T + 4 * S }),
      // Idle past the session TTL: a new first use.
      obs(T + 700 * S, { session: 's1', ipPrefix: 'evil' }, { sessionOrigin: '', sessionStart: T + 700 * S }),
    ],
  },
  {
    name: 'distinct sensitive objects and destructive bursts; behaviourSince spans one burst',
    steps: [
      ...Array.from({ length: 8 }, (_, i) => obs(T + i * S, { object: `secrets|ns${i}|*` }, { objects: i + 1, behaviourSince: 0 })),
      obs(T + 8 * S, { object: 'secrets|ns0|*' }, { objects: 8, behaviourSince: 0 }),
      obs(T + 9 * S, { object: 'secrets|ns8|*' }, { objects: 9, behaviourSince: T + 9 * S }),
      obs(T + 10 * S, { object: 'secrets|ns9|*' }, { objects: 10, behaviourSince: T + 9 * S }),
      obs(T + 11 * S, {}, { objects: 10, behaviourSince: T + 9 * S }),
      // The window passes: the burst is over.
      obs(T + 700 * S, {}, { objects: 0, behaviourSince: 0 }),
      ...Array.from({ length: 11 }, (_, i) => obs(T + 800 * S + i, { destructive: true }, { destructive: i + 1, behaviourSince: i === 10 ? T + 800 * S + 10 : 0 })),
    ],
  },
  {
    name: 'calls that are not counted (discovery) change no counter',
    steps: [
      obs(T, { sensitive: true, namespace: 'a', object: 'o1', destructive: true }, { requests: 1, sensitive: 1, namespaces: 1, objects: 1, destructive: 1 }),
      obs(T + 1, { sensitive: true, namespace: 'b', object: 'o2', destructive: true, counted: false }, { requests: 1, sensitive: 1, namespaces: 1, objects: 1, destructive: 1 }),
    ],
  },
  {
    name: 'approvals: create is idempotent, decide only from pending, consume once',
    steps: [
      { at: T, create: ['a1', '{"v":1}', 60 * S], expect: { id: 'a1', state: 'pending', data: '{"v":1}', expiresAt: T + 60 * S } },
      { at: T + 1, create: ['a1', '{"v":2}', 60 * S], expect: { state: 'pending', data: '{"v":1}', expiresAt: T + 60 * S } },
      { at: T + 2, get: 'a1', expect: { state: 'pending', data: '{"v":1}' } },
      { at: T + 3, consume: 'a1', expect: false },
      { at: T + 4, decide: ['a1', 'approved', '{"by":"carol"}', 30 * S], expect: { state: 'approved', data: '{"by":"carol"}', expiresAt: T + 4 + 30 * S } },
      { at: T + 5, decide: ['a1', 'rejected', '{"by":"dave"}', 30 * S], expect: null },
      { at: T + 6, get: 'a1', expect: { state: 'approved', data: '{"by":"carol"}' } },
      { at: T + 7, consume: 'a1', expect: true },
      { at: T + 8, consume: 'a1', expect: false },
      { at: T + 9, get: 'a1', expect: null },
      { at: T + 10, decide: ['nope', 'approved', '{}', 30 * S], expect: null },
      { at: T + 11, create: ['r1', '{}', 60 * S] },
      { at: T + 12, decide: ['r1', 'rejected', '{"by":"carol"}', 60 * S], expect: { state: 'rejected' } },
      { at: T + 13, consume: 'r1', expect: false },
      { at: T + 14, get: 'r1', expect: { state: 'rejected' } },
    ],
  },
  {
    name: 'approvals expire, and a new request after expiry starts pending again',
    steps: [
      { at: T, create: ['e1', '{"v":1}', 1000] },
      { at: T + 999, get: 'e1', expect: { state: 'pending' } },
      { at: T + 1000, get: 'e1', expect: null },
      { at: T + 1000, decide: ['e1', 'approved', '{}', 1000], expect: null },
      { at: T + 1001, create: ['e1', '{"v":2}', 1000], expect: { state: 'pending', data: '{"v":2}', expiresAt: T + 2001 } },
      { at: T + 1002, decide: ['e1', 'approved', '{}', 1000], expect: { state: 'approved' } },
      { at: T + 2002, consume: 'e1', expect: false },
    ],
  },
  {
    name: 'approvals list: unexpired, newest first, ties by id, limited',
    steps: [
      { at: T, create: ['old', '{}', 10 * S] },
      { at: T + 1, create: ['mid', '{}', 60 * S] },
      { at: T + 2, create: ['new', '{}', 60 * S] },
      { at: T + 2, create: ['new2', '{}', 60 * S] },
      { at: T + 3, list: 10, expect: ['new2', 'new', 'mid', 'old'] },
      { at: T + 3, list: 2, expect: ['new2', 'new'] },
      { at: T + 3, list: 0, expect: [] },
      { at: T + 4, decide: ['mid', 'approved', '{}', 60 * S] },
      { at: T + 10 * S, list: 10, expect: ['new2', 'new', 'mid'] },
      { at: T + 11 * S, consume: 'mid', expect: true },
      { at: T + 11 * S, list: 10, expect: ['new2', 'new'] },
      { at: T + 100 * S, list: 10, expect: [] },
    ],
  },
  {
    // Several clusters behind one gateway (kubernetes.clusters): working-set names `<name>@<cluster>`.
    name: 'clusters: an unknown namespace of a cluster never worked in is clusterKnown false until a name of that cluster is learned, within the known TTL',
    steps: [
      ...work(T, 'payments-prod@brix', { namespaceKnown: false, namespaceSince: T, clusterKnown: false }),
      { at: T + S, learnWork: 'payments-prod@brix' },
      ...work(T + 2 * S, 'billing-prod@brix', { namespaceKnown: false, namespaceSince: T + 2 * S, clusterKnown: true }),
      ...work(T + 3 * S, 'payments-prod@sable', { namespaceKnown: false, namespaceSince: T + 3 * S, clusterKnown: false }),
      ...work(T + 4 * S, 'payments-prod@brix', { namespaceKnown: true, clusterKnown: true }),
      // Without a cluster in the name (no kubernetes.clusters) there is nothing to be new to.
      ...work(T + 4 * S, 'payments-prod', { namespaceKnown: false, clusterKnown: true }),
      // Another subject has worked nowhere.
      { at: T + 5 * S, work: { subject: 'bob@example.com', namespace: 'billing-prod@brix' }, expect: { clusterKnown: false } },
      // Every Secret of a cluster at once is work in it too.
      { at: T + 6 * S, learnWork: '**@sable' },
      ...work(T + 7 * S, 'payments-prod@sable', { namespaceKnown: false, clusterKnown: true }),
      // Unused for the known TTL, brix's marker expires with its namespace; sable's, learned later, not yet.
      ...work(T + (3600 + 1) * S, 'billing-prod@brix', { namespaceKnown: false, clusterKnown: false }),
      ...work(T + (3600 + 1) * S, 'payments-prod@sable', { namespaceKnown: false, clusterKnown: true }),
      ...work(T + (3600 + 6) * S, 'payments-prod@sable', { clusterKnown: false }),
    ],
  },
  {
    name: 'challenges: remembered per credential until they expire; a newer one replaces the older',
    steps: [
      { at: T, challenge: 'tok-a', expect: null },
      { at: T, remember: ['tok-a', '{"acr_values":"aal2"}', 300 * S] },
      { at: T + 1, challenge: 'tok-a', expect: { data: '{"acr_values":"aal2"}', expiresAt: T + 300 * S } },
      // Another credential (say, the same user's other token) sees nothing of it.
      { at: T + 1, challenge: 'tok-b', expect: null },
      { at: T + 2 * S, remember: ['tok-a', '{"acr_values":"aal3"}', 60 * S] },
      { at: T + 3 * S, challenge: 'tok-a', expect: { data: '{"acr_values":"aal3"}', expiresAt: T + 62 * S } },
      { at: T + 62 * S - 1, challenge: 'tok-a', expect: { data: '{"acr_values":"aal3"}' } },
      { at: T + 62 * S, challenge: 'tok-a', expect: null },
      // A TTL below a millisecond still stores something that expires at once, never forever.
      { at: T + 63 * S, remember: ['tok-c', '{}', 0] },
      { at: T + 63 * S + 1, challenge: 'tok-c', expect: null },
    ],
  },
  {
    name: 'console sessions: a cookie stays bound to its first subject until it expires, unmoved by use',
    steps: [
      { at: T, bind: ['sess-1', ALICE, 60 * S], expect: true },
      { at: T + S, bind: ['sess-1', ALICE, 60 * S], expect: true },
      // Another subject with the same cookie: refused, and it does not take the binding over.
      { at: T + 2 * S, bind: ['sess-1', 'mallory@example.com', 60 * S], expect: false },
      { at: T + 3 * S, bind: ['sess-1', ALICE, 60 * S], expect: true },
      // Another cookie is another binding.
      { at: T + 4 * S, bind: ['sess-2', 'mallory@example.com', 60 * S], expect: true },
      { at: T + 5 * S, bind: ['sess-2', ALICE, 60 * S], expect: false },
      // Use does not extend it: the binding made at T ends at T + 60 s by the caller's clock.
      { at: T + 60 * S - 1, bind: ['sess-1', 'mallory@example.com', 60 * S], expect: false },
      { at: T + 60 * S, bind: ['sess-1', 'mallory@example.com', 60 * S], expect: true },
      { at: T + 61 * S, bind: ['sess-1', ALICE, 60 * S], expect: false },
      // A TTL below a millisecond binds for one, never forever.
      { at: T + 70 * S, bind: ['sess-3', ALICE, 0], expect: true },
      { at: T + 70 * S + 1, bind: ['sess-3', 'mallory@example.com', 0], expect: true },
    ],
  },
];

async function run(store: StateStore, steps: Step[]): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const step of steps) {
    if ('observe' in step) {
      const o: Observation = {
        subject: ALICE, session: '', ip: '', ipPrefix: '', device: '', uaFamily: '', namespace: '',
        sensitive: false, ...step.observe, nowMs: step.at,
      };
      results.push(await store.observe(o));
    } else if ('learn' in step) {
      const [ip, ipPrefix, device, client] = step.learn;
      results.push(await store.learn(step.subject ?? ALICE, ip, ipPrefix, device, step.at, client));
    } else if ('deny' in step) {
      results.push(await store.recordDenial(step.deny, step.at));
    } else if ('create' in step) {
      results.push(await store.approvals.create(...step.create, step.at));
    } else if ('get' in step) {
      results.push((await store.approvals.get(step.get, step.at)) ?? null);
    } else if ('decide' in step) {
      results.push((await store.approvals.decide(...step.decide, step.at)) ?? null);
    } else if ('remember' in step) {
      results.push(await store.challenges.remember(...step.remember, step.at));
    } else if ('challenge' in step) {
      results.push((await store.challenges.get(step.challenge, step.at)) ?? null);
    } else if ('work' in step) {
      const w: WorkObservation = { subject: ALICE, object: '', site: '', nearby: '', namespace: '', ...step.work, nowMs: step.at };
      const o: Observation = { subject: w.subject, session: '', ip: '', ipPrefix: '', device: '', uaFamily: '', namespace: '', sensitive: false, nowMs: step.at };
      results.push(step.check === true && store.observeAll !== undefined ? (await store.observeAll(o, w)).work : await store.observeWork!(w));
    } else if ('bind' in step) {
      results.push(await store.consoleSessions!.bind(...step.bind, step.at));
    } else if ('learnWork' in step) {
      results.push(await store.learnWork!(step.subject ?? ALICE, step.learnWork, '', step.at));
    } else if ('consume' in step) {
      results.push(await store.approvals.consume(step.consume, step.at));
    } else {
      results.push(await store.approvals.list(step.list, step.at));
    }
  }
  return results;
}

function checkExpectations(steps: Step[], results: unknown[], label: string): void {
  steps.forEach((step, i) => {
    if (!('expect' in step) || step.expect === undefined) return;
    const got = results[i];
    const where = `${label}: step ${i} (${JSON.stringify(step)})`;
    if ('list' in step) {
      expect((got as ApprovalRecord[]).map((r) => r.id), where).toEqual(step.expect);
    } else if (step.expect === null || typeof step.expect !== 'object') {
      expect(got, where).toEqual(step.expect);
    } else {
      expect(got, where).toMatchObject(step.expect);
    }
  });
}

let redis: RedisServer;
let n = 0;
const stores: StateStore[] = [];

function newRedisStore(): RedisStateStore {
  const store = new RedisStateStore(LIMITS, {
    connection: { host: '127.0.0.1', port: redis.port, db: 0 },
    keyPrefix: `conf${++n}:`,
    timeoutMs: 2000,
  });
  stores.push(store);
  return store;
}

async function ready(store: RedisStateStore): Promise<void> {
  const deadline = Date.now() + 5000;
  while (store.status !== 'ready') {
    if (Date.now() > deadline) throw new Error(`redis store not ready: ${store.status}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await redis?.stop();
});

describe('StateStore conformance: memory and redis give identical answers', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const memory = await run(new MemoryStateStore(LIMITS, { maxSubjects: 1000 }), scenario.steps);
    checkExpectations(scenario.steps, memory, 'memory');
    const store = newRedisStore();
    await ready(store);
    const remote = await run(store, scenario.steps);
    checkExpectations(scenario.steps, remote, 'redis');
    expect(remote).toEqual(memory);
  });

  it('the memory store answers synchronously', () => {
    const store = new MemoryStateStore(LIMITS, { maxSubjects: 10 });
    const h = store.observe({ subject: ALICE, session: '', nowMs: T, ip: '', ipPrefix: '', device: '', uaFamily: '', namespace: '', sensitive: false });
    expect(h).not.toBeInstanceOf(Promise);
    expect(h.firstSeen).toBe(true);
  });

  it('the memory store is bounded: past max_subjects the least recently seen subject is forgotten (and seen as new)', () => {
    const store = new MemoryStateStore(LIMITS, { maxSubjects: 2 });
    const o = (subject: string, nowMs: number) => store.observe({ subject, session: '', nowMs, ip: '', ipPrefix: '', device: '', uaFamily: '', namespace: '', sensitive: false });
    o('a', T);
    o('b', T + 1);
    o('a', T + 2);
    o('c', T + 3);
    expect(o('a', T + 4).firstSeen).toBe(false);
    expect(o('b', T + 5).firstSeen).toBe(true);
  });

  it.each(['memory', 'redis'] as const)('%s: exactly one of many concurrent consumers wins an approval', async (kind) => {
    const store = kind === 'memory' ? new MemoryStateStore(LIMITS, { maxSubjects: 10 }) : newRedisStore();
    if (store instanceof RedisStateStore) await ready(store);
    for (let round = 0; round < 5; round++) {
      const id = `c${round}`;
      await store.approvals.create(id, '{}', 60_000, T);
      await store.approvals.decide(id, 'approved', '{}', 60_000, T + 1);
      const wins = await Promise.all(Array.from({ length: 25 }, () => store.approvals.consume(id, T + 2)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    }
  });

  it.each(['memory', 'redis'] as const)('%s: of many subjects binding one new console cookie at once, exactly one wins', async (kind) => {
    const store = kind === 'memory' ? new MemoryStateStore(LIMITS, { maxSubjects: 10 }) : newRedisStore();
    if (store instanceof RedisStateStore) await ready(store);
    for (let round = 0; round < 5; round++) {
      const wins = await Promise.all(Array.from({ length: 25 }, (_, i) => store.consoleSessions!.bind(`race-${round}`, `user-${i}@example.com`, 60_000, T)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    }
  });

  it('redis: a console cookie is bound under a hash, the subject kept as a hash, never either itself', async () => {
    const store = newRedisStore();
    await ready(store);
    const cookie = 'MTcwMDAwMDAwMHxEdi1CQkFFQ180SUFBUkFC-console-secret';
    expect(await store.consoleSessions.bind(cookie, ALICE, 60_000, T)).toBe(true);
    const { redis: client, prefix } = store.internals;
    const keys = await client.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    const value = (await client.get(keys[0]!))!;
    for (const secret of ['console-secret', 'alice']) expect(`${keys[0]} ${value}`).not.toContain(secret);
    // Redis collects the key when the binding ends.
    expect(await client.pttl(keys[0]!)).toBeGreaterThan(59_000);
    // A tampered reply is a store failure (the caller answers "unavailable"), never a binding.
    await client.set(keys[0]!, 'garbage');
    await expect(store.consoleSessions.bind(cookie, 'mallory@example.com', 60_000, T + 1)).rejects.toMatchObject({ code: 'state_unavailable' });
  });

  it('redis: a challenge is stored under a hash of the credential, never the credential itself', async () => {
    const store = newRedisStore();
    await ready(store);
    const token = 'eyJhbGciOiJSUzI1NiJ9.secret-token.sig';
    await store.challenges.remember(token, '{"acr_values":"x"}', 60_000, T);
    const { redis: client, prefix } = store.internals;
    const keys = await client.keys(`${prefix}*`);
    expect(keys.length).toBe(1);
    expect(keys.join(' ')).not.toContain('secret-token');
    expect(await client.get(keys[0]!)).not.toContain('secret-token');
    // A tampered record is a store failure (the caller answers "unavailable"), not a challenge.
    await client.set(keys[0]!, 'not json');
    await expect(store.challenges.get(token, T + 1)).rejects.toMatchObject({ code: 'state_unavailable' });
  });
});

/** Incidents and revocations (issue 15): one call sequence, the same answers from both stores. */
describe('ControlStore conformance: memory and redis give identical answers', () => {
  async function script(store: StateStore): Promise<unknown[]> {
    const c = store.control;
    const out: unknown[] = [];
    const rec = (id: string, exp: number) => ({ id, data: JSON.stringify({ id }), expiresAt: exp });
    out.push(await c.snapshot(T));
    out.push(await c.put('incident', rec('inc-b', T + 10 * S), T));
    out.push(await c.put('incident', rec('inc-a', T + 20 * S), T + 1));
    out.push(await c.put('revocation', rec('rev-1', T + 30 * S), T + 2));
    out.push(await c.version());
    out.push(await c.snapshot(T + 3));
    // inc-b has expired by its own expiry, by the caller's clock.
    out.push(await c.snapshot(T + 10 * S));
    // Replacing keeps one record with the new document and expiry.
    out.push(await c.put('incident', { id: 'inc-a', data: '{"id":"inc-a","v":2}', expiresAt: T + 40 * S }, T + 11 * S));
    out.push(await c.snapshot(T + 11 * S));
    out.push(await c.remove('incident', 'inc-a', T + 12 * S));
    out.push(await c.remove('incident', 'inc-a', T + 12 * S));
    out.push(await c.remove('revocation', 'never', T + 12 * S));
    out.push(await c.snapshot(T + 12 * S));
    out.push(await c.once('jti-1', 60_000, T));
    out.push(await c.once('jti-1', 60_000, T + 1));
    out.push(await c.once('jti-2', 60_000, T + 1));
    // A sign-out is a kind of its own: listed apart from the revocations, expiring by its own time.
    out.push(await c.put('signout', rec('out-1', T + 20 * S), T + 12 * S));
    out.push(await c.snapshot(T + 13 * S));
    out.push(await c.snapshot(T + 20 * S));
    // A used approval too (board.ts approvalUse): its own list, its own expiry.
    out.push(await c.put('approval', rec('used-1', T + 30 * S), T + 20 * S));
    out.push(await c.snapshot(T + 21 * S));
    out.push(await c.snapshot(T + 30 * S));
    return out;
  }

  it('put, remove, version, snapshot and once', async () => {
    const memory = await script(new MemoryStateStore(LIMITS, { maxSubjects: 10 }));
    const store = newRedisStore();
    await ready(store);
    const remote = await script(store);
    expect(remote).toEqual(memory);
    expect(memory[0]).toEqual({ version: 0, incidents: [], revocations: [], signouts: [], usedApprovals: [] });
    expect((memory[5] as { incidents: { id: string }[] }).incidents.map((r) => r.id)).toEqual(['inc-a', 'inc-b']);
    expect((memory[6] as { incidents: { id: string }[] }).incidents.map((r) => r.id)).toEqual(['inc-a']);
    expect(memory.slice(9, 12)).toEqual([5, undefined, undefined]);
    expect(memory.slice(13, 16)).toEqual([true, false, true]);
    expect(memory[16]).toBe(6);
    expect(memory[17]).toMatchObject({ version: 6, revocations: [{ id: 'rev-1' }], signouts: [{ id: 'out-1', expiresAt: T + 20 * S }] });
    expect(memory[18]).toMatchObject({ version: 6, signouts: [] });
    expect(memory[19]).toBe(7);
    expect(memory[20]).toMatchObject({ version: 7, signouts: [], usedApprovals: [{ id: 'used-1', expiresAt: T + 30 * S }] });
    expect(memory[21]).toMatchObject({ version: 7, usedApprovals: [] });
  });

  it.each(['memory', 'redis'] as const)('%s: a change is announced to watchers (another store on the same data, for redis)', async (kind) => {
    const writer = kind === 'memory' ? new MemoryStateStore(LIMITS, { maxSubjects: 10 }) : newRedisStore();
    let reader: StateStore = writer;
    if (writer instanceof RedisStateStore) {
      await ready(writer);
      reader = new RedisStateStore(LIMITS, { connection: { host: '127.0.0.1', port: redis.port, db: 0 }, keyPrefix: writer.internals.prefix, timeoutMs: 2000 });
      stores.push(reader);
      await ready(reader as RedisStateStore);
    }
    let told = 0;
    const stop = reader.control.watch(() => told++);
    // The subscription is asynchronous for redis: wait until a first announcement arrives.
    const deadline = Date.now() + 5000;
    let v = 0;
    while (told === 0 && Date.now() < deadline) {
      v = await writer.control.put('incident', { id: `i${v}`, data: '{}', expiresAt: T + 60_000 }, T);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(told).toBeGreaterThan(0);
    stop();
  });

  it.each(['memory', 'redis'] as const)('%s: forget makes a known subject a stranger, and leaves others alone', async (kind) => {
    const store = kind === 'memory' ? new MemoryStateStore(LIMITS, { maxSubjects: 10 }) : newRedisStore();
    if (store instanceof RedisStateStore) await ready(store);
    const o = (subject: string, nowMs: number) =>
      store.observe({ subject, session: 's1', nowMs, ip: '203.0.113.7', ipPrefix: '203.0.113.0/24', device: 'cert:laptop', uaFamily: 'kubectl', namespace: '', sensitive: false });
    for (const s of [ALICE, 'bob@example.com']) {
      await o(s, T);
      await store.learn(s, '203.0.113.7', '203.0.113.0/24', 'cert:laptop', T);
    }
    // What the working set learnt, too: a namespace, a site, a wider network and a kind.
    const work = (subject: string, nowMs: number) => store.observeWork!({ subject, nowMs, namespace: 'payments-prod', object: '', site: 'berlin', nearby: '203.0.0.0/16', kind: 'secret_read' });
    for (const s of [ALICE, 'bob@example.com']) {
      await work(s, T);
      await store.learnWork!(s, 'payments-prod', 'berlin', T, '203.0.0.0/16', '', 1, '', true, '', 'secret_read');
    }
    expect(await work(ALICE, T + S)).toMatchObject({ namespaceKnown: true, siteKnown: true, nearbyKnown: true, workingSet: 1, kindSince: 0, historySince: T });
    expect((await o(ALICE, T + S)).deviceKnown).toBe(true);
    await store.control.forget(ALICE, 's1');
    const after = await o(ALICE, T + 2 * S);
    expect(after).toMatchObject({ firstSeen: true, ipKnown: false, prefixKnown: false, deviceKnown: false, knownDevices: 0, previousUaFamily: '' });
    // The kind is forgotten (first seen again now) and the history starts again.
    expect(await work(ALICE, T + 2 * S)).toMatchObject({ namespaceKnown: false, siteKnown: false, nearbyKnown: false, workingSet: 0, lastSite: '', kindSince: T + 2 * S, historySince: T + 2 * S });
    expect((await o('bob@example.com', T + 2 * S)).deviceKnown).toBe(true);
    expect(await work('bob@example.com', T + 2 * S)).toMatchObject({ namespaceKnown: true, siteKnown: true, nearbyKnown: true, workingSet: 1, kindSince: 0, historySince: T });
  });

  // revoke51: a subject revocation refuses tokens in any case, so it forgets what was learnt under
  // every spelling of the subject (the IdP's `Alice@corp` when the on-call typed `alice@corp`), and
  // nothing of another issuer's or another subject's.
  it.each(['memory', 'redis'] as const)('%s: forgetEveryCase forgets every case variant of the subject, and only those', async (kind) => {
    const store = kind === 'memory' ? new MemoryStateStore(LIMITS, { maxSubjects: 10 }) : newRedisStore();
    if (store instanceof RedisStateStore) await ready(store);
    const IDP = 'https://idp.test\n';
    const spellings = [`${IDP}Alice@Corp.example`, `${IDP}ALICE@corp.example`, `${IDP}alice@corp.example`];
    const kept = [`${IDP}bob@corp.example`, `https://other.test\nAlice@Corp.example`, `${IDP}alice@corp.example.evil`];
    const o = (subject: string, nowMs: number) =>
      store.observe({ subject, session: '', nowMs, ip: '203.0.113.7', ipPrefix: '203.0.113.0/24', device: 'cert:laptop', uaFamily: 'kubectl', namespace: '', sensitive: false });
    const work = (subject: string, nowMs: number) => store.observeWork!({ subject, nowMs, namespace: 'payments-prod', object: '', site: 'berlin', nearby: '203.0.0.0/16', kind: 'secret_read' });
    for (const s of [...spellings, ...kept]) {
      await o(s, T);
      await store.learn(s, '203.0.113.7', '203.0.113.0/24', 'cert:laptop', T);
      await work(s, T);
      await store.learnWork!(s, 'payments-prod', 'berlin', T, '203.0.0.0/16', '', 1, '', true, '', 'secret_read');
    }
    await store.control.forgetEveryCase(`${IDP}alice@CORP.example`);
    for (const s of spellings) {
      expect((await o(s, T + S)).deviceKnown, s).toBe(false);
      expect(await work(s, T + S), s).toMatchObject({ namespaceKnown: false, siteKnown: false, nearbyKnown: false });
    }
    for (const s of kept) {
      expect((await o(s, T + S)).deviceKnown, s).toBe(true);
      expect(await work(s, T + S), s).toMatchObject({ namespaceKnown: true, siteKnown: true, nearbyKnown: true });
    }
    // A spelling learnt again after the revocation is found by the next one (Redis: indexed afresh).
    await store.learn(spellings[0]!, '198.51.100.9', '198.51.100.0/24', 'cert:other', T + 2 * S);
    await store.control.forgetEveryCase(`${IDP}alice@corp.example`);
    expect((await store.observe({ subject: spellings[0]!, session: '', nowMs: T + 3 * S, ip: '198.51.100.9', ipPrefix: '198.51.100.0/24', device: 'cert:other', uaFamily: 'kubectl', namespace: '', sensitive: false })).deviceKnown).toBe(false);
  });
});
