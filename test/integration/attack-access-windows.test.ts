import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn } from '../support/findings.js';
import { CORE, JUMP } from '../support/workday21.js';
import { K8S, KUBECTL, RANCHER, STORE, VENDOR } from '../support/workday24.js';

/**
 * Days 21's and 24's class, in shapes the days did not send: a vendor's account used outside its
 * contract's hours or maintenance window, with a fresh sign-in from its usual address and client.
 * Through the real gRPC server running examples/stepgate.yaml on a virtual clock (the window is
 * read on stepgate's clock, so the built server, on the real one, cannot be put at 23:30):
 * `vendor-support-hours` (Monday to Saturday, 07:30 to 18:30 Europe/London) and
 * `vendor-maintenance-window` (00:30 to 03:30 UTC) refuse any request, a read too, outside the
 * window (`policy_deny`); inside it, the same requests are the vendor's routine; the staff's own
 * accounts keep no hours.
 */

const s = exampleServiceForFile();
const UA = KUBECTL('windows/amd64', 'v1.29.3', '6813625');
const { send } = findingRequests(s, { host: RANCHER, source: VENDOR, ua: UA, firstDay: 0, secondDay: 0 });
const at = (iso: string) => Date.parse(iso);
const shell = (n: number) => `${K8S(STORE(n))}/api/v1/namespaces/pos/pods/pos-payment-0/exec?command=sh&container=payment&stdin=true&stdout=true&tty=true`;
const pods = (n: number) => `${K8S(STORE(n))}/api/v1/namespaces/pos/pods?limit=500`;
let n = 0;
/** A fresh sign-in a minute before `iso`, of a subject not seen before. */
const fresh = (domain: string, iso: string) => signIn(`hours-${++n}${domain}`, at(iso) - 60_000);

describe("a vendor's account outside its contract's hours", () => {
  it.each([
    ['a shell on a Sunday afternoon', '2026-12-13T14:00:00Z', 'POST', shell(517)],
    ['a pod list at 19:00 on a Tuesday', '2026-12-08T19:00:00Z', 'GET', pods(517)],
    ['a shell at 07:00 UK time in July (06:00 UTC)', '2026-07-09T06:00:00Z', 'POST', shell(1120)],
    ['a Secret read at 02:00 on a Saturday night', '2026-12-12T02:00:00Z', 'GET', `${K8S(STORE(905))}/api/v1/namespaces/pos/secrets/pos-db`],
  ])('%s is refused (vendor-support-hours)', async (_what, iso, method, path) => {
    const res = await send(fresh('@posvendor.example', iso), at(iso), method, path);
    expect(reasonOf(res), rules(res)).toBe('policy_deny');
    expect(rules(res)).toContain('vendor-support-hours');
  });

  it.each([
    ['a shell at 10:00 on a Wednesday', '2026-12-09T10:00:00Z', 'POST', shell(517)],
    ['a pod list at 17:45 on a Saturday', '2026-12-12T17:45:00Z', 'GET', pods(517)],
    ['a shell at 08:00 UK time in July (07:00 UTC)', '2026-07-09T07:00:00Z', 'POST', shell(1120)],
  ])("%s is the vendor's routine", async (_what, iso, method, path) => {
    const res = await send(fresh('@posvendor.example', iso), at(iso), method, path);
    expect(rules(res)).not.toContain('vendor-support-hours');
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });

  it("the chain's own on-call at 23:30 keeps no hours", async () => {
    const res = await send(fresh('@larder.example', '2026-12-10T23:30:00Z'), at('2026-12-10T23:30:00Z'), 'GET', pods(517), { source: '81.135.159.35' });
    expect(rules(res)).not.toContain('vendor-support-hours');
  });
});

describe("the network vendor's account outside its maintenance window", () => {
  const o = { host: CORE, source: JUMP, ua: KUBECTL('linux/amd64') };
  it.each([
    ['a log read at 03:45', '2026-11-12T03:45:00Z', 'GET', '/api/v1/namespaces/cnf-amf/pods/amf-0/log?container=amf'],
    ['a shell at 14:00', '2026-11-12T14:00:00Z', 'POST', '/api/v1/namespaces/cnf-smf/pods/smf-0/exec?command=sh&container=smf&stdin=true&stdout=true&tty=true'],
    ['a pod list at 23:59', '2026-11-12T23:59:00Z', 'GET', '/api/v1/namespaces/cnf-upf/pods'],
  ])('%s is refused (vendor-maintenance-window)', async (_what, iso, method, path) => {
    const res = await send(fresh('-vendor-2@nordwave.example', iso), at(iso), method, path, o);
    expect(reasonOf(res), rules(res)).toBe('policy_deny');
    expect(rules(res)).toContain('vendor-maintenance-window');
  });

  it('a pod list at 01:30 is inside the window', async () => {
    const res = await send(fresh('-vendor-2@nordwave.example', '2026-11-12T01:30:00Z'), at('2026-11-12T01:30:00Z'), 'GET', '/api/v1/namespaces/cnf-amf/pods', o);
    expect(rules(res)).not.toContain('vendor-maintenance-window');
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });
});
