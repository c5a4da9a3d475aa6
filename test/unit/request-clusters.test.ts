import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { configProblems } from '../support/config.js';
import { compileHostMatcher } from '../../src/core/glob.js';
import { buildAttributes } from '../../src/request/build.js';
import { RequestHeaders } from '../../src/request/headers.js';

/** kubernetes.clusters: which cluster a Kubernetes request is for (request/build.ts, core/glob.ts). */

const hosts = compileHostMatcher(
  ['kubernetes', 'kubernetes.**'],
  [{ hosts: ['headlamp.example.com'], prefix: '/clusters/*' }],
  [
    { name: 'dublin', hosts: ['kubernetes.dub.example', '*.dub.example'] },
    { name: 'sydney', hosts: ['kubernetes.syd.example'] },
  ],
);

function clusterOf(host: string, target: string): string | undefined {
  const built = buildAttributes(
    { method: 'GET', target, authority: host, scheme: 'https', headers: RequestHeaders.of([]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: undefined, bodyTruncated: false },
    [],
    hosts,
  );
  if (!built.ok) throw new Error(built.detail);
  return built.attributes.cluster;
}

describe('kubernetes.clusters', () => {
  it.each([
    ['kubernetes.dub.example', '/api/v1/namespaces/ledger-prod/secrets', 'dublin'],
    ['KUBERNETES.SYD.EXAMPLE', '/api/v1/namespaces/ledger-prod/secrets', 'sydney'],
    // A host on kubernetes.hosts that no cluster names: the one unnamed cluster.
    ['kubernetes', '/api/v1/namespaces/ledger-prod/secrets', ''],
    ['kubernetes.default.svc', '/api/v1/namespaces/ledger-prod/secrets', ''],
    // Through a dashboard, the prefix's `*` segment names the cluster; one it does not name is none.
    ['headlamp.example.com', '/clusters/sydney/api/v1/namespaces/ledger-prod/secrets', 'sydney'],
    ['headlamp.example.com', '/clusters/other/api/v1/namespaces/ledger-prod/secrets', ''],
    // The dashboard's own pages are web requests: no cluster.
    ['headlamp.example.com', '/clusters/sydney', ''],
    // Not a Kubernetes host at all, even if a cluster's glob would match it. (A Kubernetes API path
    // there is refused: kubernetes.unlisted_api_requests, test/unit/request-unlisted-api.test.ts.)
    ['grafana.dub.example', '/api/dashboards/uid/ledger-prod', ''],
  ])('%s %s is cluster %o', (host, target, want) => {
    expect(clusterOf(host, target)).toBe(want);
  });

  const VALID = 'issuers:\n  - issuer: https://idp.example.com\n    audiences: [kubernetes]\nassurance:\n  levels:\n    - name: aal1\n      acr: [a1]\npolicy:\n  default:\n    require: aal1\n';
  const problems = (text: string) => configProblems(text, 'policy.yaml');

  it('loads names and hosts', () => {
    const cfg = parseConfig(`${VALID}kubernetes:\n  hosts: ["kubernetes.**"]\n  clusters:\n    - { name: prod-eu-1, hosts: [kubernetes.eu.example] }\n`, 'c.yaml');
    expect(cfg.kubernetes.clusters).toEqual([{ name: 'prod-eu-1', hosts: ['kubernetes.eu.example'] }]);
  });

  it.each([
    ['a name used twice', '    - { name: a, hosts: [x] }\n    - { name: a, hosts: [y] }\n', 'kubernetes.clusters[1].name'],
    ['a name with a slash', '    - { name: "eu/1", hosts: [x] }\n', 'kubernetes.clusters[0].name'],
    ['an upper-case name', '    - { name: Dublin, hosts: [x] }\n', 'kubernetes.clusters[0].name'],
    ['no hosts', '    - { name: a, hosts: [] }\n', 'kubernetes.clusters[0].hosts'],
  ])('%s is a startup error naming the field', (_what, entries, field) => {
    const [p] = problems(`${VALID}kubernetes:\n  clusters:\n${entries}`);
    expect(p).toMatchObject({ field });
  });
});
