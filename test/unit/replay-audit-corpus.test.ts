import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { replay, type ReplayOptions, type ReplayReport, type UserDay } from '../../src/replay/replay.js';
import { renderTable } from '../../src/replay/render.js';
import { EXTRA } from '../support/audit-log.js';

/**
 * `stepgate replay` over every request of the public audit-log corpus (test/fixtures/kube-audit,
 * sources in its README) with the example configuration, as three kinds of audit user: an engineer
 * signed in with two factors, a node (system:node:…) and a controller's service account. Each
 * request is written back as the event kube-apiserver logged for it (requestURI, verb, objectRef,
 * impersonation; served, 200). Replay must read every line, judge every request, and never find
 * one of them invalid: the API server served them all.
 */

interface Fact {
  requestURI: string;
  verb: string;
  objectRef: Record<string, string> | null;
  impersonated?: true;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/kube-audit/events.json', import.meta.url), 'utf8')) as { events: Fact[] };

const EXAMPLE = new URL('../../examples/stepgate.yaml', import.meta.url).pathname;
const example = parseConfig(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);

const T0 = Date.parse('2026-03-02T09:00:00Z');
/** Inside the example's trusted_networks (office and in-cluster egress): no new-network risk. */
const IN_CLUSTER = '10.0.0.5';

const USERS = {
  engineer: { username: 'oidc:ann@example.com', groups: ['oidc:engineers', 'system:authenticated'], extra: { [EXTRA.acr]: ['urn:stepgate:aal2'], [EXTRA.amr]: ['pwd', 'otp', 'mfa'], [EXTRA.sid]: ['s-1'], [EXTRA.authTime]: [String(T0 / 1000 - 60)] } },
  node: { username: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'], extra: {} },
  controller: { username: 'system:serviceaccount:kube-system:lease-keeper', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], extra: {} },
} as const;
type Who = keyof typeof USERS;

function lines(facts: readonly Fact[], who: readonly Who[]): string[] {
  const out: string[] = [];
  let i = 0;
  for (const w of who) {
    for (const f of facts) {
      const at = new Date(T0 + i * 1000).toISOString();
      const ev: Record<string, unknown> = {
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: 'Metadata',
        auditID: `${w}-${i++}`,
        stage: 'ResponseComplete',
        requestURI: f.requestURI,
        verb: f.verb,
        user: USERS[w],
        sourceIPs: [IN_CLUSTER],
        userAgent: 'kubectl/v1.33.0 (linux/amd64) kubernetes/0000000',
        requestReceivedTimestamp: at,
        stageTimestamp: at,
        responseStatus: { metadata: {}, code: 200 },
      };
      if (f.impersonated) ev.impersonatedUser = { username: 'bob', groups: ['system:authenticated'] };
      if (f.objectRef) ev.objectRef = f.objectRef;
      out.push(JSON.stringify(ev));
    }
  }
  return out;
}

const options: ReplayOptions = {
  assurance: { acrKey: EXTRA.acr, amrKey: EXTRA.amr, authTimeKey: EXTRA.authTime, sidKey: EXTRA.sid, assumeAcr: undefined, assumeAuthAge: undefined, stripPrefix: 'oidc:' },
  includeSystem: true,
  asConfigured: false,
  samples: 1000,
  configName: 'examples/stepgate.yaml',
  logName: 'kube-audit corpus',
};

const run = (l: string[]): Promise<ReplayReport> => replay(example, Readable.from([`${l.join('\n')}\n`]), options);
const dayOf = (r: ReplayReport, who: Who) => r.days.find((d) => d.user === USERS[who].username.replace(/^oidc:/, ''))!;
const reasons = (d: UserDay) => ({ ...d.challenges.by_reason, ...d.denials.by_reason, ...d.approvals.by_reason });

describe('stepgate replay over the public audit-log corpus, with the example configuration', () => {
  it('reads every line, judges every request, and finds none invalid', async () => {
    const who: Who[] = ['engineer', 'node', 'controller'];
    const r = await run(lines(fixture.events, who));
    expect(r.input.malformed).toEqual({ total: 0, by_problem: {}, first: [] });
    expect(r.input.requests).toBe(fixture.events.length * who.length);
    expect(r.totals.allowed + r.totals.challenges + r.totals.denials + r.totals.approvals).toBe(r.totals.requests);
    for (const d of r.days) {
      expect(d.requests).toBe(fixture.events.length);
      // A request the API server served is never one stepgate cannot read.
      expect(Object.keys(reasons(d))).not.toContain('request_invalid');
    }
  });

  /**
   * A controller's everyday requests: reading and renewing leases, watching endpoints, listing
   * pods and nodes. Its service account token reaches a gateway with the cluster's issuer, which
   * the example names as automation: it is judged as automation, never asked for two factors.
   */
  const routine = fixture.events.filter((f) => f.objectRef !== null && ['leases', 'endpoints', 'configmaps', 'pods', 'nodes'].includes(f.objectRef.resource!) && !f.objectRef.subresource && ['get', 'list', 'watch', 'update'].includes(f.verb));

  it('judges a service account as the automation the example names: its reads pass, writes a rule guards need an approval', async () => {
    expect(routine.length).toBeGreaterThanOrEqual(30);
    const r = await run(lines(routine, ['controller']));
    const d = dayOf(r, 'controller');
    expect(r.service_account_issuers).toEqual(['https://kubernetes.default.svc.cluster.local']);
    expect(renderTable(r)).toContain('service accounts of https://kubernetes.default.svc.cluster.local');
    expect(d.automation).toBe(true);
    // Never a sign-in asked of a workload (acr_insufficient, auth_too_old are a person's).
    expect(d.challenges.total).toBe(0);
    expect(d.assurance).toEqual({ extra: 0, assumed: 0, unknown: routine.length });
    // Every read passes; the only refusals are writes the example guards with a person's step-up,
    // which automation cannot do (a lease in kube-system or kube-node-lease: system-writes; a
    // pod's own spec: pod-edits), refused as automation_step_up (an approval, with `approver:`).
    expect(d.allowed + d.denials.total).toBe(routine.length);
    expect(Object.keys(d.denials.by_reason)).toEqual(['automation_step_up']);
    expect(new Set(d.samples.denials.map((s) => s.verb))).toEqual(new Set(['update']));
    expect(Object.keys(d.denials.by_rule).sort()).toEqual(['pod-edits', 'system-writes']);
    expect(d.allowed).toBeGreaterThan(routine.filter((f) => f.verb !== 'update').length);
    // --assume-acr stands in for the people's claimMappings; a workload's token has no acr to assume.
    const assumed = await replay(example, Readable.from([`${lines(routine, ['controller']).join('\n')}\n`]), { ...options, assurance: { ...options.assurance, assumeAcr: 'aal3', assumeAuthAge: 60 } });
    expect(dayOf(assumed, 'controller')).toMatchObject({ assurance: { assumed: 0, unknown: routine.length }, allowed: d.allowed });
  });

  it('a node is no automation in the example: replay judges it as a subject of the people’s issuer', async () => {
    const r = await run(lines(routine, ['node']));
    const d = dayOf(r, 'node');
    expect(r.service_account_issuers).toEqual([]);
    expect(d.automation).toBe(false);
    expect(d.allowed).toBe(0);
    expect(d.challenges.by_reason).toEqual({ acr_insufficient: routine.length });
  });
});
