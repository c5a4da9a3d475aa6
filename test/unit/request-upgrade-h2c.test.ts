import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import { buildAttributes } from '../../src/request/build.js';
import { RequestHeaders } from '../../src/request/headers.js';

const hosts = compileHostMatcher(['kubernetes']);
const build = (host: string, upgrade: string | undefined) => buildAttributes(
  { method: 'GET', target: '/api/v1/namespaces/dev/pods?watch=1', authority: host, scheme: 'https', headers: RequestHeaders.of(upgrade === undefined ? [] : [['connection', 'Upgrade'], ['upgrade', upgrade]]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: undefined, bodyTruncated: false },
  [],
  hosts,
);

describe('buildAttributes: an HTTP/2 cleartext upgrade (h2c smuggling)', () => {
  it.each(['h2c', 'H2C', 'websocket, h2c', ' h2c ,websocket', 'h2c-14'])('Upgrade: %s is refused, on the API server and on a web host', (upgrade) => {
    for (const host of ['kubernetes', 'grafana.example.com']) {
      const built = build(host, upgrade);
      expect(built.ok).toBe(false);
      expect(!built.ok && built.detail).toMatch(/h2c/);
    }
  });

  // On a watch, where kube-apiserver serves an upgrade (a list's is refused: request/kube.ts upgradeNotServed).
  it.each([undefined, 'websocket', 'SPDY/3.1', 'h2', 'xh2c'])('Upgrade: %s is not', (upgrade) => {
    expect(build('kubernetes', upgrade).ok).toBe(true);
  });
});
