import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * machine_pace and per-object familiarity, through the real gRPC server running
 * examples/stepgate.yaml on a virtual clock. Day 7's Terraform user was challenged at every
 * `terraform plan`: the plan refreshes the six Secrets its module manages within a second, which
 * was four distinct objects over machine pace however often they had been read. Now a run of
 * nothing but reads of Secrets this identity read in allowed requests from a proven context is no
 * machine's pace, so the plan repeated the day after a sign-in is not asked; a run that touches one
 * Secret never read counts every object in it, as before.
 */

const s = exampleServiceForFile();
const DAY0 = Date.UTC(2027, 2, 26, 8, 0, 0);
const DAY1 = DAY0 + 3 * 86_400_000;
const OFFICE = '84.120.7.30';
const TERRAFORM = 'HashiCorp/1.0 Terraform/1.9.8';
const MODULE = ['search/search-db', 'search/search-tls', 'search/search-api-key', 'search-staging/search-db', 'search-staging/search-tls', 'search-staging/search-api-key'];
const path = (object: string) => {
  const [ns, name] = object.split('/');
  return `/api/v1/namespaces/${ns}/secrets/${name}`;
};

const login = (sub: string, at: number, n: number): Login => ({ sub, sid: `${sub}:${n}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal2' });

/** One request every 100 ms from `at`; the index of the first one not allowed (-1 none), its reason and context. */
async function run(who: Login, at: number, objects: string[]) {
  for (const [k, o] of objects.entries()) {
    const res = await s.sendAt(who, at + k * 100, { method: 'GET', path: path(o), source: OFFICE, headers: { 'user-agent': TERRAFORM } });
    if (res.status.code !== 0) {
      const body = deniedBody(res) as { stepgate?: { risk?: { context?: { code?: string } } } };
      return { stoppedAt: k, reason: reasonOf(res), context: body.stepgate?.risk?.context?.code };
    }
  }
  return { stoppedAt: -1 };
}

/** The Friday before: signed in at 08:00, the module's plan at 10:00 and 15:30; the first asks once. */
async function fridayBefore(sub: string) {
  const morning = login(sub, DAY0 - 40_000, 1);
  // The sign-in's first use proves the office network and Terraform as a client (learn.min_level).
  const proof = await s.sendAt(morning, DAY0, { method: 'GET', path: '/api/v1/namespaces/search', source: OFFICE, headers: { 'user-agent': TERRAFORM } });
  expect(proof.status.code, reasonOf(proof)).toBe(0);
  // The first plan ever: every Secret is new, so its 4th read is a machine's pace.
  const first = DAY0 + 2 * 3_600_000;
  expect(await run(morning, first, MODULE)).toEqual({ stoppedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
  // The engineer signs in (after the run went over, as asked) and the plan goes on: the whole run is learned.
  const again = login(sub, first + 5_000, 2);
  expect(await run(again, first + 8_000, MODULE.slice(3))).toEqual({ stoppedAt: -1 });
  // The afternoon's plan: nothing but familiar reads.
  expect(await run(again, DAY0 + 7.5 * 3_600_000, MODULE)).toEqual({ stoppedAt: -1 });
}

/** Monday's sign-in at 09:00, an hour before the 10:00 plan (within the Secret rule's 8 hours at 15:30). */
const monday = (sub: string) => login(sub, DAY1 + 3_600_000, 3);

describe('machine_pace counts what this identity has not read before', () => {
  it("Monday's plans re-read the module's six Secrets: not asked, at either plan", async () => {
    const sub = 'tf-user@example.io';
    await fridayBefore(sub);
    expect(await run(monday(sub), DAY1 + 2 * 3_600_000, MODULE)).toEqual({ stoppedAt: -1 });
    expect(await run(monday(sub), DAY1 + 7.5 * 3_600_000, MODULE)).toEqual({ stoppedAt: -1 });
  });

  it('malware reading Secrets the victim never read is stopped at the 4th, as before', async () => {
    const sub = 'tf-victim-1@example.io';
    await fridayBefore(sub);
    const never = ['search/payments-db', 'search/ledger-db', 'search/vault-token', 'search/ci-deploy-key', 'search/registry'];
    expect(await run(monday(sub), DAY1 + 2 * 3_600_000, never)).toEqual({ stoppedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
  });

  it("malware mixing the victim's routine Secrets with new ones is stopped at the 4th object, as before", async () => {
    for (const [k, mixed] of [
      ['search/search-db', 'search/payments-db', 'search-staging/search-tls', 'search/ledger-db', 'search/vault-token'],
      // Routine first, the new one last.
      ['search/search-db', 'search/search-tls', 'search-staging/search-db', 'search/payments-db', 'search/ledger-db'],
    ].entries()) {
      const sub = `tf-victim-${2 + k}@example.io`;
      await fridayBefore(sub);
      expect(await run(monday(sub), DAY1 + 2 * 3_600_000, mixed)).toEqual({ stoppedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
    }
  });
});
