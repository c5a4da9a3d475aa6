import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { isDiscovery } from '../../src/risk/context-bound.js';
import { DeviceResolver } from '../../src/risk/device.js';
import { byteCompare, refreshDue } from '../../src/state/sliding.js';
import { clientToken, ledBy, sessionClientsWith } from '../../src/state/session-clients.js';
import type { Observation } from '../../src/state/store.js';

/**
 * The risk engine's per-Check shortcuts (issue 12/17) answer exactly as the code they stand in
 * for: each is checked here against that code, kept verbatim as the reference.
 */

function refreshDueReference(set: Map<string, number>, member: string, at: number, now: number, refreshMs: number): boolean {
  if (at <= now - refreshMs) return true;
  for (const [m, t] of set) if (m !== member && (t > at || (t === at && byteCompare(m, member) > 0))) return true;
  return false;
}

const DISCOVERY = [/^\/api\/?$/, /^\/api\/[^/]+\/?$/, /^\/apis(\/[^/]+){0,2}\/?$/, /^\/version\/?$/, /^\/openapi\//];

// kube as the request builder reads it, so isDiscovery's shortcut for resource requests is checked too.
const request = (path: string, method = 'GET') => ({ method, kube: kubeRequestInfo(method, path, '', () => undefined) }) as unknown as RequestAttributes;

describe('per-Check shortcuts', () => {
  it('refreshDue: the same answer as a scan of every entry, ties and lone members included', () => {
    const member = fc.constantFrom('a', 'b', 'c', 'é', 'ab');
    fc.assert(
      fc.property(fc.array(fc.tuple(member, fc.integer({ min: 0, max: 6 })), { maxLength: 5 }), member, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 4 }), (entries, m, t, refresh) => {
        const set = new Map(entries);
        const at = set.get(m) ?? t;
        expect(refreshDue(set, m, at, 6, refresh)).toBe(refreshDueReference(set, m, at, 6, refresh));
      }),
      { numRuns: 2000 },
    );
  });

  it('ledBy: true exactly when sessionClientsWith would leave the list as it is', () => {
    const family = fc.constantFrom('kubectl', 'kube', 'chrome', 'curl');
    const platform = fc.constantFrom(undefined, '', 'linux', 'lin', 'mac');
    const token = fc.tuple(family, platform).map(([f, p]) => (p ? `${f}@${p}` : f));
    fc.assert(
      fc.property(fc.array(token, { maxLength: 4 }), family, platform, (list, f, p) => {
        const o = { uaFamily: f, platform: p } as Observation;
        const l = list.join(' ');
        expect(ledBy(l, o)).toBe(sessionClientsWith(l, clientToken(o)) === l);
      }),
      { numRuns: 2000 },
    );
  });

  it('isDiscovery: the same answer as the discovery patterns for any path', () => {
    const segment = fc.constantFrom('api', 'apis', 'v1', 'apps', 'version', 'openapi', 'v2', 'namespaces', 'x', '');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 7 }), fc.boolean(), (segments, slash) => {
        const path = `/${segments.join('/')}${slash ? '/' : ''}`;
        expect(isDiscovery(request(path))).toBe(DISCOVERY.some((re) => re.test(path)));
      }),
      { numRuns: 3000 },
    );
    expect(isDiscovery(request('/apis/apps/v1/'))).toBe(true);
    expect(isDiscovery(request('/openapi/v3/apis/apps/v1/namespaces/x'))).toBe(true);
    expect(isDiscovery(request('/api/v1/namespaces/x/pods'))).toBe(false);
    expect(isDiscovery(request('/api/v1', 'POST'))).toBe(false);
  });

  it('isDiscovery: a resource request is answered without a search of its path', () => {
    const indexOf = vi.spyOn(String.prototype, 'indexOf');
    try {
      for (const p of ['/api/v1/namespaces/payments-dev/pods', '/apis/apps/v1/namespaces/x/deployments/y', '/api/v1/nodes']) {
        expect(isDiscovery(request(p))).toBe(false);
      }
      expect(indexOf).not.toHaveBeenCalled();
    } finally {
      indexOf.mockRestore();
    }
  });

  it('a user agent alone resolves to the device its full inputs give, and never to a certificate or cookie device', () => {
    const ua = 'kubectl/v1.32.4 (linux/amd64) kubernetes/6fc0a69';
    const fresh = () => new DeviceResolver(false);
    const plain = { principal: '', xfcc: undefined, userAgent: ua, secChUa: undefined, secChUaPlatform: undefined };
    const r = fresh();
    const first = r.resolve(plain);
    expect(r.resolve(plain)).toBe(first);
    expect(r.resolve({ ...plain, secChUa: '', secChUaPlatform: '' })).toEqual(fresh().resolve({ ...plain, secChUa: '', secChUaPlatform: '' }));
    expect(r.resolve({ ...plain, secChUaPlatform: '"Windows"' })).toEqual(fresh().resolve({ ...plain, secChUaPlatform: '"Windows"' }));
    expect(r.resolve({ ...plain, principal: 'spiffe://cluster/ns/a/sa/b' }).strength).toBe('certificate');
    expect(r.resolve({ ...plain, deviceCookie: 'dev-1' }).strength).toBe('cookie');
    expect(r.resolve(plain)).toBe(first);
  });
});
