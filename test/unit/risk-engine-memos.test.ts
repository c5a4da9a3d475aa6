import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { parseConfig } from '../../src/config/load.js';
import type { Identity } from '../../src/core/identity.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { nameBuckets, RequestHeaders } from '../../src/request/header-list.js';
import { clientKind, DeviceResolver } from '../../src/risk/device.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import type { ActionKind } from '../../src/config/schema.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { isDiscovery } from '../../src/risk/context-bound.js';
import { sensitivityContribution, sensitivitySignal } from '../../src/risk/signals/sensitivity.js';
import type { Contribution } from '../../src/risk/codes.js';
import type { SignalContext } from '../../src/risk/signals/context.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import type { StateStore, WorkObservation } from '../../src/state/store.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { baseRequirement, ENGINE_CONFIG, engineIdentity } from '../support/risk-engine.js';
import { observedPlatform } from '../../src/state/session-clients.js';
import { DeviceCookies, deviceOwner } from '../../src/cookies/device-cookie.js';
import { parseKeyList } from '../../src/cookies/keys.js';

/**
 * The structures the risk engine keeps from one Check to the next so that a routine Check builds
 * no key and no contribution of its own (enginecost): none may carry one Check's data into
 * another. Each is checked against the code it replaced, kept here verbatim as the reference.
 */

/**
 * What a WorkObservation says (store.ts), from the object the engine hands the store: the engine's
 * request record (Assessing) carries its own fields beside them, which no store reads.
 */
const workFields = (w: WorkObservation): WorkObservation => ({ subject: w.subject, nowMs: w.nowMs, namespace: w.namespace, object: w.object, site: w.site, nearby: w.nearby, auth: w.auth, read: w.read, family: w.family, kind: w.kind });

describe('DeviceResolver: client hints without a composite key', () => {
  it('one resolver shared by every request gives each the device a fresh resolver gives it', () => {
    const ua = fc.constantFrom(
      '',
      'kubectl/v1.32.4 (linux/amd64) kubernetes/6fc0a69',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    );
    const hint = fc.constantFrom(undefined, '', '"Chromium";v="131", "Not_A Brand";v="24"', '"Google Chrome";v="131"');
    const platform = fc.constantFrom(undefined, '', '"Linux"', '"macOS"', '"Windows"');
    const cookie = fc.constantFrom(undefined, '', 'dev-1', 'dev-2');
    const principal = fc.constantFrom('', '', '', 'spiffe://corp/laptop/a');
    const inputs = fc.record({ principal, xfcc: fc.constant(undefined), userAgent: ua, secChUa: hint, secChUaPlatform: platform, deviceCookie: cookie });
    fc.assert(
      fc.property(fc.array(inputs, { minLength: 1, maxLength: 12 }), (seq) => {
        const shared = new DeviceResolver(false);
        for (const i of seq) expect(shared.resolve(i)).toEqual(new DeviceResolver(false).resolve(i));
      }),
      { numRuns: 500 },
    );
  });

  it('a certificate or cookie device has the platform its own request names, whatever came first', () => {
    // The memo once keyed these by identity and user agent alone: the first request's platform
    // hint stuck to every later one until the memo was cleared.
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const r = new DeviceResolver(false);
    for (const [principal, deviceCookie] of [['spiffe://corp/laptop/a', undefined], ['', 'dev-1']] as const) {
      const i = { principal, xfcc: undefined, userAgent: ua, secChUa: '"Chromium";v="131"', deviceCookie };
      const mac = r.resolve({ ...i, secChUaPlatform: '"macOS"' });
      const win = r.resolve({ ...i, secChUaPlatform: '"Windows"' });
      expect([mac.platform, win.platform]).toEqual(['mac', 'windows']);
      // A certificate is the machine whatever it claims; a cookie sent from another system than
      // the one it was given on was copied out of its browser (redteam51): another device.
      if (principal !== '') expect(win.id).toBe(mac.id);
      else expect(win.id).not.toBe(mac.id);
      expect(r.resolve({ ...i, secChUaPlatform: undefined }).platform).toBe('linux');
    }
  });

  it('the same inputs give the same device object, and another platform hint another device', () => {
    const r = new DeviceResolver(false);
    const i = { principal: '', xfcc: undefined, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0', secChUa: '"Chromium";v="131"', secChUaPlatform: '"Linux"' };
    const a = r.resolve(i);
    expect(r.resolve({ ...i })).toBe(a);
    expect(r.resolveFrom('', undefined, i.userAgent, i.secChUa, i.secChUaPlatform, undefined)).toBe(a);
    const win = r.resolve({ ...i, secChUaPlatform: '"Windows"' });
    expect(win.id).not.toBe(a.id);
    expect(win.platform).toBe('windows');
    expect(r.resolve(i)).toBe(a);
  });

  it('stays bounded: past 4,096 remembered devices it starts again and still answers the same', () => {
    const r = new DeviceResolver(false);
    const first = r.resolve({ principal: '', xfcc: undefined, userAgent: 'Chrome/1', secChUa: 'x', secChUaPlatform: '"Linux"' });
    for (let n = 0; n < 5000; n++) r.resolve({ principal: '', xfcc: undefined, userAgent: `Chrome/${n}`, secChUa: `h${n % 7}`, secChUaPlatform: '"Linux"' });
    expect((r as unknown as { size: number }).size).toBeLessThanOrEqual(4096);
    expect(r.resolve({ principal: '', xfcc: undefined, userAgent: 'Chrome/1', secChUa: 'x', secChUaPlatform: '"Linux"' })).toEqual(first);
  });
});

describe('sensitivityContribution', () => {
  it('is the contribution the signal built per Check, one frozen object per weight', () => {
    for (const w of [1, 10, 20, 20, 40, 100]) {
      const c = sensitivityContribution(w);
      expect(c).toEqual({ code: 'path_sensitive', weight: w, detail: `matching rules weigh ${w}` });
      expect(Object.isFrozen(c)).toBe(true);
      expect(sensitivityContribution(w)).toBe(c);
    }
    expect(sensitivityContribution(20)).not.toBe(sensitivityContribution(30));
    const out: Contribution[] = [];
    sensitivitySignal({ sensitivity: 30 } as SignalContext, undefined as never, out);
    sensitivitySignal({ sensitivity: 0 } as SignalContext, undefined as never, out);
    expect(out).toEqual([{ code: 'path_sensitive', weight: 30, detail: 'matching rules weigh 30' }]);
    expect(() => {
      (out[0] as { weight: number }).weight = 0;
    }).toThrow();
    expect(sensitivityContribution(30).weight).toBe(30);
  });
});

describe('RiskEngine.recordDenial: retries by subject, path and method without a joined key', () => {
  /** The code it replaced: one `subject\nmethod\npath` key per denial. */
  class Reference {
    private readonly recent = new Map<string, number>();
    counted(subject: string, nowMs: number, req: RequestAttributes): boolean {
      if (isDiscovery(req)) return false;
      const key = `${subject}\n${req.method}\n${req.path}`;
      const last = this.recent.get(key);
      if (last !== undefined && nowMs - last >= 0 && nowMs - last < 10_000) return false;
      if (this.recent.size >= 10_000) this.recent.clear();
      this.recent.set(key, nowMs);
      return true;
    }
  }

  const engineCounting = (counted: string[]) => {
    const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const counting: StateStore = Object.assign(Object.create(store) as StateStore, { recordDenial: (subject: string) => void counted.push(subject) });
    return new RiskEngine({
      risk: ENGINE_CONFIG.risk!, network: ENGINE_CONFIG.network, onStateError: 'degrade', assurance: compileAssurance(ENGINE_CONFIG.assurance.levels),
      store: counting, fallback: store,
    });
  };
  const request = (method: string, path: string) => ({ method, path, kube: { path } }) as unknown as RequestAttributes;
  const identities: Identity[] = ['alice', 'bob'].map((subject) => ({ ...engineIdentity(1_800_000_000_000), subject }));

  it('counts exactly the denials the joined key counted, for any sequence', () => {
    const step = fc.record({
      who: fc.integer({ min: 0, max: 1 }),
      method: fc.constantFrom('GET', 'DELETE'),
      path: fc.constantFrom('/api/v1/namespaces/a/secrets/x', '/api/v1/namespaces/b/secrets/x', '/api', '/apis/apps/v1'),
      dt: fc.constantFrom(0, 1, 4_000, 9_999, 10_000, 30_000, -5_000),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const counted: string[] = [];
        const e = engineCounting(counted);
        const ref = new Reference();
        const want: string[] = [];
        let now = 1_800_000_000_000;
        for (const s of steps) {
          now += s.dt;
          const who = identities[s.who]!;
          const r = request(s.method, s.path);
          if (ref.counted(`${who.issuer}|${who.subject}`, now, r)) want.push(who.subject);
          e.recordDenial(who, now, r);
        }
        expect(counted.map((k) => k.split('\n')[1])).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('forgets everything at 10,000 remembered denials, as the joined key did', () => {
    const counted: string[] = [];
    const e = engineCounting(counted);
    const who = identities[0]!;
    const now = 1_800_000_000_000;
    e.recordDenial(who, now, request('GET', '/first'));
    for (let n = 1; n < 10_000; n++) e.recordDenial(who, now, request('GET', `/p${n}`));
    expect(counted.length).toBe(10_000);
    // The 10,001st distinct request clears the memory, so a retry of the first one counts again.
    e.recordDenial(who, now, request('GET', '/one-more'));
    e.recordDenial(who, now, request('GET', '/first'));
    expect(counted.length).toBe(10_002);
    e.recordDenial(who, now, request('GET', '/first'));
    expect(counted.length).toBe(10_002);
  });
});

describe('MemoryStateStore: the wider network proof key', () => {
  it('answers nearbyProvenAt per wider network, never another one’s, also after its memo starts again', () => {
    const s = new MemoryStateStore({ ...TEST_LIMITS }, { maxSubjects: 10 });
    const t0 = 1_800_000_000_000;
    const work = (nearby: string, nowMs: number) => s.observeWork({ subject: 'alice', nowMs, namespace: '', object: '', site: '', nearby });
    // A proven network inside 10.1.0.0/16 (min_networks 2: not enough to make it known).
    s.learnWork('alice', '', '', t0, '10.1.0.0/16', '10.1.2.0/24', 2);
    expect(work('10.1.0.0/16', t0 + 1000).nearbyProvenAt).toBe(t0);
    expect(work('10.2.0.0/16', t0 + 1000).nearbyProvenAt).toBe(0);
    for (let n = 0; n < 5000; n++) work(`10.${n % 250}.${Math.floor(n / 250)}.0/24`, t0 + 2000);
    expect(work('10.1.0.0/16', t0 + 3000).nearbyProvenAt).toBe(t0);
    expect(work('10.2.0.0/16', t0 + 3000).nearbyProvenAt).toBe(0);
  });
});

describe('RiskEngine: the device of a user agent alone, kept with the token', () => {
  const agents = [
    'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
    'helm/v3.16.2 (darwin/arm64) kubernetes/abc1234',
    'curl/8.5.0',
    'python-requests/2.32.3',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    '',
  ];
  const headerSets = fc.record({
    ua: fc.constantFrom(...agents, undefined),
    secChUa: fc.constantFrom(undefined, undefined, '"Chromium";v="131"'),
    platform: fc.constantFrom(undefined, undefined, '"Windows"', '"macOS"'),
    cookie: fc.constantFrom(undefined, undefined, 'a=b'),
    principal: fc.constantFrom('', '', '', 'spiffe://corp/laptop/a'),
    who: fc.integer({ min: 0, max: 1 }),
  });
  const request = (h: { ua: string | undefined; secChUa: string | undefined; platform: string | undefined; cookie: string | undefined; principal: string }) => {
    const headers = new Map<string, string>();
    if (h.ua !== undefined) headers.set('user-agent', h.ua);
    if (h.secChUa !== undefined) headers.set('sec-ch-ua', h.secChUa);
    if (h.platform !== undefined) headers.set('sec-ch-ua-platform', h.platform);
    if (h.cookie !== undefined) headers.set('cookie', h.cookie);
    return {
      method: 'GET', target: '/api/v1/namespaces/a/pods', path: '/api/v1/namespaces/a/pods', query: '', host: 'h', authority: 'h', scheme: 'https', headers,
      spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: true, sourcePrincipal: h.principal, contextExtensions: {},
      kube: undefined, body: undefined, bodyTruncated: false,
    } as unknown as RequestAttributes;
  };
  /** An engine over a new memory store, each observe's device and client written to `seen`; `options` replace the test configuration's. */
  const observing = (seen: { device: string; uaFamily: string; platform: string | undefined; client: string | undefined }[], options: Partial<ConstructorParameters<typeof RiskEngine>[0]> = {}) => {
    const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const spy: StateStore = Object.assign(Object.create(store) as StateStore, {
      observe: (o: Parameters<StateStore['observe']>[0]) => {
        seen.push({ device: o.device, uaFamily: o.uaFamily, platform: o.platform, client: o.client });
        return store.observe(o);
      },
    });
    return new RiskEngine({ risk: ENGINE_CONFIG.risk!, network: ENGINE_CONFIG.network, onStateError: 'degrade', assurance: compileAssurance(ENGINE_CONFIG.assurance.levels), store: spy, fallback: store, ...options });
  };
  const identities: Identity[] = ['alice', 'bob'].map((subject) => ({ ...engineIdentity(1_800_000_000_000), subject }));

  it('observes the device and client kind a fresh resolver gives each request, whatever the token sent before', () => {
    fc.assert(
      fc.property(fc.array(headerSets, { minLength: 1, maxLength: 16 }), (steps) => {
        const seen: { device: string; uaFamily: string; platform: string | undefined; client: string | undefined }[] = [];
        const e = observing(seen);
        for (const s of steps) void e.assess(request(s), identities[s.who]!, baseRequirement(['default']), 1_800_000_000_000);
        const want = steps.map((s) => {
          const d = new DeviceResolver(false).resolveFrom(s.principal, undefined, s.ua, s.secChUa, s.platform, undefined);
          return { device: d.id, uaFamily: d.uaFamily, platform: observedPlatform(d.platform, d.strength === 'certificate'), client: clientKind(d.uaFamily, s.ua ?? '') };
        });
        expect(seen).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  // As the decoder hands them over (RequestHeaders, not a Map): the device's other evidence is then
  // told absent from the name buckets (RequestHeaders.lacksAll) instead of looked up one by one.
  const decoded = (h: Parameters<typeof request>[0], extra: readonly (readonly [string, string])[] = []) => {
    const r = request(h);
    return { ...r, headers: RequestHeaders.of([...r.headers, ...extra]) } as RequestAttributes;
  };
  // A kubectl request's other headers, and names that share a bucket with the device's evidence.
  const others = fc.subarray([
    ['accept', 'application/json'],
    ['authorization', 'Bearer x'],
    ['kubectl-command', 'kubectl get'],
    ['x-forwarded-for', '10.0.0.5'],
    ['x-request-id', 'r1'],
    ['x-envoy-expected-rq-timeout-ms', '15000'],
    ['cooki', 'a'],
    ['sec-ch-ub', 'b'],
    // Not trusted here (network.trust_forwarded_client_cert off): no evidence, as the resolver reads it.
    ['x-forwarded-client-cert', 'By=spiffe://corp/gw;URI=spiffe://corp/laptop/a'],
  ] as const);

  it('observes the same devices from decoded headers, whatever other headers come with them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(headerSets, others), { minLength: 1, maxLength: 16 }), (steps) => {
        const seen: { device: string; uaFamily: string; platform: string | undefined; client: string | undefined }[] = [];
        const e = observing(seen);
        for (const [s, extra] of steps) void e.assess(decoded(s, extra), identities[s.who]!, baseRequirement(['default']), 1_800_000_000_000);
        const want = steps.map(([s]) => {
          const d = new DeviceResolver(false).resolveFrom(s.principal, undefined, s.ua, s.secChUa, s.platform, undefined);
          return { device: d.id, uaFamily: d.uaFamily, platform: observedPlatform(d.platform, d.strength === 'certificate'), client: clientKind(d.uaFamily, s.ua ?? '') };
        });
        expect(seen).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it("looks up none of the device's other evidence in a kubectl request's headers (an untrusted certificate header neither)", () => {
    // Every way the engine reads a header: get, and the user agent's place (valueAt, slotOf: engine.ts agentAt).
    const get = vi.spyOn(RequestHeaders.prototype, 'get');
    const at = vi.spyOn(RequestHeaders.prototype, 'valueAt');
    const slot = vi.spyOn(RequestHeaders.prototype, 'slotOf');
    try {
      const e = observing([]);
      const plain = { ua: agents[0], secChUa: undefined, platform: undefined, cookie: undefined, principal: '' };
      void e.assess(decoded(plain, [[':method', 'GET'], ['accept', 'application/json'], ['kubectl-command', 'kubectl get'], ['x-request-id', 'r1']]), identities[0]!, baseRequirement(['default']), 1_800_000_000_000);
      const asked = [...get.mock.calls.map(([name]) => name), ...at.mock.calls.map(([, name]) => name), ...slot.mock.calls.map(([name]) => name)];
      expect(asked).toContain('user-agent');
      expect(asked.filter((n) => ['x-forwarded-client-cert', 'sec-ch-ua', 'sec-ch-ua-platform', 'cookie'].includes(n))).toEqual([]);
    } finally {
      get.mockRestore();
      at.mockRestore();
      slot.mockRestore();
    }
  });

  it('with network.trust_forwarded_client_cert, the certificate header names the device', () => {
    const seen: { device: string; uaFamily: string; platform: string | undefined; client: string | undefined }[] = [];
    const e = observing(seen, { network: { ...ENGINE_CONFIG.network, trust_forwarded_client_cert: true } });
    const xfcc = 'By=spiffe://corp/gw;URI=spiffe://corp/laptop/a';
    const plain = { ua: agents[0], secChUa: undefined, platform: undefined, cookie: undefined, principal: '' };
    for (let i = 0; i < 2; i++) void e.assess(decoded(plain, [[':method', 'GET'], ['x-forwarded-client-cert', xfcc]]), identities[0]!, baseRequirement(['default']), 1_800_000_000_000);
    void e.assess(decoded(plain, [[':method', 'GET']]), identities[0]!, baseRequirement(['default']), 1_800_000_000_000);
    const cert = new DeviceResolver(true).resolveFrom('', xfcc, agents[0], undefined, undefined, undefined).id;
    expect(cert).toMatch(/^cert:/);
    expect(seen.map((x) => x.device)).toEqual([cert, cert, new DeviceResolver(true).resolveFrom('', undefined, agents[0], undefined, undefined, undefined).id]);
  });

  it('RequestHeaders.lacksAll: true only when no name of the group is there', () => {
    const name = fc.constantFrom('cookie', 'sec-ch-ua', 'sec-ch-ua-platform', 'x-forwarded-client-cert', 'user-agent', 'accept', 'cooki', 'a', 'ab', 'x-request-id');
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 8 }), fc.uniqueArray(name, { maxLength: 4 }), (present, group) => {
        const h = RequestHeaders.of(present.map((n) => [n, 'v'] as const));
        if (h.lacksAll(nameBuckets(group))) expect(group.filter((n) => h.has(n))).toEqual([]);
        // No group at all is always absent.
        expect(h.lacksAll(nameBuckets([]))).toBe(true);
      }),
    );
  });

  // engine42: a browser's fingerprint (client hints, cookies of its own) is kept with the token as
  // kubectl's agent is; a device cookie that verifies, a certificate or a trusted certificate header
  // name the device themselves, and are resolved on every request.
  const key = randomBytes(32).toString('base64url');
  const deviceCookies = new DeviceCookies(parseKeyList(`a:${key}`, 'K'), undefined);
  const owners = identities.map((who) => deviceOwner(who.issuer, who.subject));
  const aliceDevice = deviceCookies.issue(owners[0]!).value;
  const bobDevice = deviceCookies.issue(owners[1]!).value;
  it("looks up a browser's Cookie header only where device cookies are on (engine43)", () => {
    const browser = { ua: agents[4], secChUa: '"Chromium";v="131"', platform: '"Linux"', cookie: `grafana_session=1; stepgate_device=${aliceDevice}`, principal: '' };
    const asked = (options: Partial<ConstructorParameters<typeof RiskEngine>[0]>) => {
      const get = vi.spyOn(RequestHeaders.prototype, 'get');
      try {
        void observing([], options).assess(decoded(browser), identities[0]!, baseRequirement(['default']), 1_800_000_000_000);
        return get.mock.calls.map(([name]) => name);
      } finally {
        get.mockRestore();
      }
    };
    // Off (no step-up session configured): nothing could verify it, so it is not scanned for.
    expect(asked({})).not.toContain('cookie');
    expect(asked({})).toContain('sec-ch-ua-platform');
    expect(asked({ deviceCookies })).toContain('cookie');
  });

  const withCookies = fc.record({
    ua: fc.constantFrom(...agents, undefined),
    secChUa: fc.constantFrom(undefined, '', '"Chromium";v="131"', '"Chromium";v="132"'),
    platform: fc.constantFrom(undefined, undefined, '', '"Windows"', '"macOS"'),
    // Alice's device cookie, Bob's (it names no device of Alice's), a tampered one, none.
    cookie: fc.constantFrom(undefined, 'grafana_session=1', `stepgate_device=${aliceDevice}`, `grafana_session=2; stepgate_device=${bobDevice}`, `stepgate_device=${aliceDevice}x`),
    principal: fc.constantFrom('', '', '', 'spiffe://corp/laptop/a'),
    who: fc.integer({ min: 0, max: 1 }),
  });

  it('with device cookies on, observes the device and client kind a fresh resolver gives each request, whatever the token sent before', () => {
    fc.assert(
      fc.property(fc.array(withCookies, { minLength: 1, maxLength: 16 }), fc.boolean(), (steps, asDecoded) => {
        const seen: { device: string; uaFamily: string; platform: string | undefined; client: string | undefined }[] = [];
        const e = observing(seen, { deviceCookies });
        for (const s of steps) void e.assess(asDecoded ? decoded(s) : request(s), identities[s.who]!, baseRequirement(['default']), 1_800_000_000_000);
        const want = steps.map((s) => {
          const d = new DeviceResolver(false).resolveFrom(s.principal, undefined, s.ua, s.secChUa, s.platform, deviceCookies.fromCookieHeader(s.cookie, owners[s.who]!));
          return { device: d.id, uaFamily: d.uaFamily, platform: observedPlatform(d.platform, d.strength === 'certificate'), client: clientKind(d.uaFamily, s.ua ?? '') };
        });
        expect(seen).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("resolves a browser's fingerprint once per token while its agent and platform hint stay the same, never a device cookie's", () => {
    const calls = vi.spyOn(DeviceResolver.prototype, 'resolveFrom');
    const get = vi.spyOn(RequestHeaders.prototype, 'get');
    try {
      const e = new RiskEngine({ risk: ENGINE_CONFIG.risk!, network: ENGINE_CONFIG.network, onStateError: 'degrade', assurance: compileAssurance(ENGINE_CONFIG.assurance.levels), store: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }), fallback: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }), deviceCookies });
      const browser: Parameters<typeof decoded>[0] = { ua: agents[4], secChUa: '"Chromium";v="131"', platform: '"Windows"', cookie: 'grafana_session=1', principal: '' };
      const assess = (h: Parameters<typeof decoded>[0], who = 0) => void e.assess(decoded(h), identities[who]!, baseRequirement(['default']), 1_800_000_000_000);
      for (let i = 0; i < 3; i++) assess({ ...browser, cookie: `grafana_session=${i}`, secChUa: i === 2 ? '"Chromium";v="132"' : browser.secChUa });
      expect(calls).toHaveBeenCalledTimes(1);
      // `sec-ch-ua` is read for the resolver only.
      expect(get.mock.calls.filter(([name]) => name === 'sec-ch-ua')).toHaveLength(1);
      assess({ ...browser, platform: '"macOS"' });
      assess({ ...browser, platform: undefined });
      // An empty hint is none, to the resolver as here.
      assess({ ...browser, platform: '' });
      expect(calls).toHaveBeenCalledTimes(3);
      assess({ ...browser, ua: agents[4]!.replace('131', '132') });
      assess(browser, 1);
      expect(calls).toHaveBeenCalledTimes(5);
      // A device cookie that verifies names the device on every request; one that does not is no evidence.
      assess({ ...browser, cookie: `stepgate_device=${aliceDevice}` });
      assess({ ...browser, cookie: `stepgate_device=${aliceDevice}` });
      expect(calls).toHaveBeenCalledTimes(7);
      assess({ ...browser, cookie: `stepgate_device=${bobDevice}` });
      assess({ ...browser, cookie: `stepgate_device=${bobDevice}` });
      expect(calls).toHaveBeenCalledTimes(8);
    } finally {
      calls.mockRestore();
      get.mockRestore();
    }
  });

  it('resolves an agent once per token while it stays the same, and again when it changes', () => {
    const calls = vi.spyOn(DeviceResolver.prototype, 'resolveFrom');
    try {
      const e = observing([]);
      const plain = { ua: agents[0], secChUa: undefined, platform: undefined, cookie: undefined, principal: '' };
      for (let i = 0; i < 3; i++) void e.assess(request(plain), identities[0]!, baseRequirement(['default']), 1_800_000_000_000);
      expect(calls).toHaveBeenCalledTimes(1);
      void e.assess(request({ ...plain, ua: agents[1] }), identities[0]!, baseRequirement(['default']), 1_800_000_000_000);
      void e.assess(request({ ...plain, platform: '"Linux"' }), identities[0]!, baseRequirement(['default']), 1_800_000_000_000);
      void e.assess(request(plain), identities[1]!, baseRequirement(['default']), 1_800_000_000_000);
      expect(calls).toHaveBeenCalledTimes(4);
      // An agent longer than the resolver keeps is not kept with the token either.
      const long = { ...plain, ua: `kubectl/v1.31.2 (linux/amd64) kubernetes/${'a'.repeat(2000)}` };
      void e.assess(request(long), identities[0]!, baseRequirement(['default']), 1_800_000_000_000);
      void e.assess(request(long), identities[0]!, baseRequirement(['default']), 1_800_000_000_000);
      expect(calls).toHaveBeenCalledTimes(6);
    } finally {
      calls.mockRestore();
    }
  });
});

describe("RiskEngine: a request's route, kept with the token", () => {
  // unfamiliar_kind with every kind a request can be told apart as, so each input the route reads
  // (subresource, query, namespace's tier, automation) changes what the store is told.
  const risk = { ...ENGINE_CONFIG.risk!, signals: { ...ENGINE_CONFIG.risk!.signals, unfamiliar_kind: { ...ENGINE_CONFIG.risk!.signals.unfamiliar_kind, kinds: ['secret_read', 'pod_shell', 'proxy', 'pod_copy', 'database_copy', 'production_tunnel', 'production_secret_read'] as ActionKind[] } } };
  /** An engine over a new memory store, with what the store is told written to `told`. */
  const engineOver = (told: unknown[] = []) => {
    const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const spy: StateStore = Object.assign(Object.create(store) as StateStore, {
      observe: (o: Parameters<StateStore['observe']>[0]) => (told.push({ ...o }), store.observe(o)),
      observeWork: (w: WorkObservation) => (told.push(workFields(w)), store.observeWork(w)),
    });
    return new RiskEngine({ risk, network: ENGINE_CONFIG.network, onStateError: 'degrade', assurance: compileAssurance(ENGINE_CONFIG.assurance.levels), store: spy, fallback: store });
  };
  const step = fc.record({
    method: fc.constantFrom('GET', 'GET', 'DELETE', 'PATCH', 'POST', 'PUT'),
    group: fc.constantFrom('', 'apps'),
    resource: fc.constantFrom('secrets', 'secrets', 'pods', 'pods', 'deployments', 'namespaces', 'services'),
    namespace: fc.constantFrom('', '', 'dev', 'payments-prod', 'payments-dev'),
    name: fc.constantFrom('', 'db', 'sh.helm.release.v1.web.v3'),
    subresource: fc.constantFrom('', '', 'exec', 'exec', 'portforward', 'proxy', 'status', 'scale'),
    // What the query tells: a copy out of a pod (pod_copy), a database's (database_copy), Helm's records alone (`*`) or every Secret (`**`), a watch.
    query: fc.constantFrom('', 'command=tar&command=cf&command=-', 'command=tar&command=cf&command=-', 'command=pg_dump&command=db', 'labelSelector=owner%3Dhelm', 'labelSelector=owner%3Dhelm', 'labelSelector=app%3Dx', 'watch=true'),
    cluster: fc.constantFrom(undefined, 'dublin'),
    sensitivity: fc.constantFrom(0, 0, 30),
    readsSecret: fc.constantFrom('', '', 'db-creds'),
    deletesLike: fc.boolean(),
    cordons: fc.boolean(),
    automation: fc.constantFrom(false, false, false, true),
    secondsLater: fc.integer({ min: 0, max: 120 }),
  });
  type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;
  const request = (s: Step): RequestAttributes => {
    const ns = s.namespace === '' || s.resource === 'namespaces' ? '' : `/namespaces/${s.namespace}`;
    const name = s.resource === 'namespaces' ? (s.name === '' ? '' : `/${s.namespace || 'dev'}`) : s.name === '' ? '' : `/${s.name}`;
    const sub = name !== '' && s.subresource !== '' ? `/${s.subresource}` : '';
    const path = `${s.group === '' ? '/api/v1' : `/apis/${s.group}/v1`}${ns}/${s.resource}${name}${sub}`;
    // A new string for each request, as the decoder gives them: equal texts, never the same objects.
    const fresh = (x: string) => (x === '' ? '' : [...x].join(''));
    const query = fresh(s.query);
    return {
      method: s.method, target: path, path: fresh(path), query, host: 'kube', authority: 'kube', scheme: 'https',
      headers: new Map([['x-forwarded-for', '203.0.113.9'], ['user-agent', 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46']]),
      spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '', contextExtensions: {},
      kube: kubeRequestInfo(s.method, fresh(path), query, () => undefined), cluster: s.cluster, body: undefined, bodyTruncated: false,
    } as unknown as RequestAttributes;
  };
  const base = [0, 30].map((sensitivity) => baseRequirement(['r'], sensitivity));
  const who = engineIdentity(1_800_000_000_000);
  const robot: Identity = Object.freeze({ ...who, automation: true });

  it('tells the store and answers what an engine with no route kept does, for any sequence of requests', () => {
    // Each request the one before with one input changed (or none, or all): a kept route that
    // missed one input would be used for a request that differs only in it.
    const field = fc.constantFrom(...(['method', 'group', 'resource', 'namespace', 'name', 'subresource', 'query', 'cluster', 'sensitivity', 'readsSecret', 'deletesLike', 'cordons', 'automation', 'none', 'all'] as const));
    const sequence = fc.tuple(step, fc.array(fc.tuple(step, field), { maxLength: 24 })).map(([first, rest]) => {
      const out = [first];
      for (const [next, f] of rest) {
        const prev = out[out.length - 1]!;
        out.push(f === 'all' ? next : f === 'none' ? { ...prev, secondsLater: next.secondsLater } : { ...prev, [f]: next[f], secondsLater: next.secondsLater });
      }
      return out;
    });
    fc.assert(
      fc.property(sequence, (steps) => {
        // Two engines over two stores, told the same sequence: one sees the same identity objects
        // throughout (as the token cache hands them out: routes kept), the other a new identity
        // object with each request (nothing kept with it). Both stores are told the same, so both answer the same.
        const [toKept, toFresh]: unknown[][] = [[], []];
        const kept = engineOver(toKept);
        const fresh = engineOver(toFresh);
        let now = 1_800_000_000_000;
        for (const s of steps) {
          now += s.secondsLater * 1000;
          const id = s.automation ? robot : who;
          const need = base[s.sensitivity === 0 ? 0 : 1]!;
          const a = kept.assess(request(s), id, need, now, undefined, undefined, s.readsSecret, s.deletesLike, s.cordons) as RiskOutcome;
          const b = fresh.assess(request(s), Object.freeze({ ...id }), need, now, undefined, undefined, s.readsSecret, s.deletesLike, s.cordons) as RiskOutcome;
          expect(a).toEqual(b);
          expect(toKept).toEqual(toFresh);
          if (a.ok && a.learn !== undefined) {
            kept.learned(a.learn, now);
            fresh.learned((b as typeof a).learn!, now);
          }
        }
      }),
      { numRuns: 500 },
    );
    // 500 sequences of up to 25 assessments on two engines: 9 s alone, over 20 s on a loaded machine.
  }, 60_000);

  it('derives a route once while the request repeats, and again when any of its inputs changes', () => {
    const route = vi.spyOn(RiskEngine.prototype as unknown as { route: () => unknown }, 'route');
    try {
      const e = engineOver();
      const s: Step = { method: 'GET', group: '', resource: 'secrets', namespace: 'payments-prod', name: 'db', subresource: '', query: '', cluster: undefined, sensitivity: 30, readsSecret: '', deletesLike: false, cordons: false, automation: false, secondsLater: 0 };
      const at = 1_800_000_000_000;
      for (let i = 0; i < 3; i++) void e.assess(request(s), who, base[1]!, at + i);
      expect(route).toHaveBeenCalledTimes(1);
      const changes: Partial<Step>[] = [{ name: 'sh.helm.release.v1.web.v3' }, { namespace: 'payments-dev' }, { query: 'watch=true' }, { cluster: 'dublin' }, { sensitivity: 0 }, { readsSecret: 'db-creds' }, { deletesLike: true }, { cordons: true }, { method: 'DELETE' }, { subresource: 'exec', resource: 'pods' }, { group: 'apps', resource: 'deployments' }];
      for (const c of changes) {
        const t = { ...s, ...c };
        void e.assess(request(t), who, base[t.sensitivity === 0 ? 0 : 1]!, at, undefined, undefined, t.readsSecret, t.deletesLike, t.cordons);
        void e.assess(request(s), who, base[1]!, at);
      }
      expect(route).toHaveBeenCalledTimes(1 + 2 * changes.length);
      // Another token's identity keeps its own.
      void e.assess(request(s), robot, base[1]!, at);
      expect(route).toHaveBeenCalledTimes(2 + 2 * changes.length);
    } finally {
      route.mockRestore();
    }
  });

  it('tells the store a request with no Kubernetes reading as activity under no namespace, object or kind, whatever its rule, cluster and findings', () => {
    // route() answers such a request with one constant (NOT_KUBERNETES) instead of building it
    // field by field: what the store is told must be what it was told when it was built.
    for (const cluster of [undefined, 'dublin'] as const) {
      for (const need of base) {
        for (const [readsSecret, deletesLike, cordons] of [['', false, false], ['db-creds', true, true]] as const) {
          for (const id of [who, robot]) {
            const told: Record<string, unknown>[] = [];
            const e = engineOver(told);
            const web = { ...request({ method: 'GET', group: '', resource: 'pods', namespace: 'dev', name: '', subresource: '', query: '', cluster, sensitivity: need.sensitivity === 0 ? 0 : 30, readsSecret, deletesLike, cordons, automation: id === robot, secondsLater: 0 }), target: '/d/k8s?orgId=1', path: '/d/k8s', query: 'orgId=1', host: 'grafana', authority: 'grafana', kube: undefined };
            const out = e.assess(web, id, need, 1_800_000_000_000, undefined, undefined, readsSecret, deletesLike, cordons) as RiskOutcome;
            expect(out.ok).toBe(true);
            expect(told[0]).toMatchObject({ namespace: '', object: '', counted: true, destructive: false, sensitive: need.sensitivity > 0 });
            for (const w of told.slice(1)) expect(w).toMatchObject({ namespace: '', object: '', read: false, family: '', kind: '' });
          }
        }
      }
    }
  });
});

describe("RiskEngine: a token's address and its place, kept with the token", () => {
  // Trusted networks, two named sites far apart and nearby networks, so an address's place (placeOf:
  // trusted, site, wider network) tells the answer apart; with and without x-forwarded-for hops.
  const yaml = (hops: number) => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: ${hops} }
risk:
  trusted_networks: [10.9.0.0/16]
  learn: { min_level: aal2 }
  bands: [{ name: elevated, min_score: 40, require: aal2 }]
  locations:
    - { name: dublin, cidrs: [198.51.100.0/24], lat: 53.35, lon: -6.26 }
    - { name: sydney, cidrs: [203.0.113.0/24], lat: -33.87, lon: 151.21 }
`;
  const configs = [0, 1].map((hops) => parseConfig(yaml(hops), 'place.yaml'));
  const engineOver = (config: (typeof configs)[number], told: unknown[]) => {
    const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const spy: StateStore = Object.assign(Object.create(store) as StateStore, {
      observe: (o: Parameters<StateStore['observe']>[0]) => (told.push({ ...o }), store.observe(o)),
      observeWork: (w: WorkObservation) => (told.push(workFields(w)), store.observeWork(w)),
    });
    return new RiskEngine({ risk: config.risk!, network: config.network, onStateError: 'degrade', assurance: compileAssurance(config.assurance.levels), store: spy, fallback: store });
  };
  // Trusted, each site, the same /16 as a site (a nearby network), and elsewhere.
  const addresses = ['10.9.1.5', '10.9.1.6', '198.51.100.7', '203.0.113.8', '198.51.7.1', '192.0.2.44', ''];
  const step = fc.record({
    source: fc.constantFrom(...addresses),
    forwarded: fc.constantFrom(undefined, ...addresses),
    resolved: fc.boolean(),
    sensitivity: fc.constantFrom(0, 0, 30),
    secondsLater: fc.integer({ min: 0, max: 4000 }),
    learn: fc.boolean(),
  });
  type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;
  const request = (s: Step): RequestAttributes => {
    // New strings with each request, as the decoder gives them.
    const fresh = (x: string) => (x === '' ? '' : [...x].join(''));
    const headers = new Map([['user-agent', fresh('kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46')]]);
    if (s.forwarded !== undefined) headers.set('x-forwarded-for', fresh(s.forwarded));
    const path = '/api/v1/namespaces/dev/secrets/db';
    return {
      method: 'GET', target: path, path, query: '', host: 'kube', authority: 'kube', scheme: 'https', headers,
      spoofedIdentityHeaders: [], sourceAddress: fresh(s.source), clientResolved: s.resolved, sourcePrincipal: '', contextExtensions: {},
      kube: kubeRequestInfo('GET', path, '', () => undefined), body: undefined, bodyTruncated: false,
    } as unknown as RequestAttributes;
  };
  const base = [0, 30].map((sensitivity) => baseRequirement(['r'], sensitivity));
  const who = engineIdentity(1_800_000_000_000);

  it('answers and tells the store what an engine with nothing kept does, for any sequence of addresses', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.array(step, { minLength: 1, maxLength: 30 }), (c, steps) => {
        // As above: one engine sees the same identity object throughout (address and place kept),
        // the other a new one with each request (nothing kept); the same store calls, the same answers.
        const toKept: unknown[] = [];
        const toFresh: unknown[] = [];
        const kept = engineOver(configs[c]!, toKept);
        const fresh = engineOver(configs[c]!, toFresh);
        let now = 1_800_000_000_000;
        for (const s of steps) {
          now += s.secondsLater * 1000;
          const need = base[s.sensitivity === 0 ? 0 : 1]!;
          const a = kept.assess(request(s), who, need, now) as RiskOutcome;
          const b = fresh.assess(request(s), Object.freeze({ ...who }), need, now) as RiskOutcome;
          expect(a).toEqual(b);
          expect(toKept).toEqual(toFresh);
          if (s.learn && a.ok && a.learn !== undefined) {
            kept.learned(a.learn, now);
            fresh.learned((b as typeof a).learn!, now);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads x-forwarded-for only when the network settings let it name the client', () => {
    for (const [c, reads] of [[0, 0], [1, 1]] as const) {
      const e = engineOver(configs[c]!, []);
      const r = request({ source: '10.9.1.5', forwarded: '203.0.113.8', resolved: false, sensitivity: 0, secondsLater: 0, learn: false });
      const get = vi.spyOn(r.headers, 'get');
      const out = e.assess(r, who, base[0]!, 1_800_000_000_000) as RiskOutcome;
      expect(get.mock.calls.filter(([name]) => name === 'x-forwarded-for')).toHaveLength(reads);
      // Without hops the peer is the client (trusted); with one, the forwarded address (sydney).
      expect(out.ok && out.risk.clientIp).toBe(c === 0 ? '10.9.1.5' : '203.0.113.8');
    }
  });
});
