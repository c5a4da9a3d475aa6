import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf } from '../support/grpc-client.js';
import { findingRequests, rules, signIn } from '../support/findings.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { API, KUBECTL, NOTEBOOK_VM, PYCLIENT, RAY, RAY_CLI, ZRH_OFFICE } from '../support/workday17.js';

/**
 * `risk.learn.client_grace_seconds` through the real gRPC server: examples/stepgate.yaml with
 * `client_grace_seconds: 3600` added (the example leaves it off: docs/risk.md "Session 27"), on a
 * freshly started server (day 17's case): a kind of client opened within the hour after the
 * sign-in, beside the kubectl already proven that morning, is proven by it; one first seen later
 * still asks for a sign-in after its first sighting. Its price, asserted too: malware's own client
 * on the laptop within that hour is allowed, which the example as shipped refuses.
 */

const GRACE = (yaml: string) => yaml.replace('    newcomer_grace_seconds: 600\n', '    newcomer_grace_seconds: 600\n    client_grace_seconds: 3600\n');
const s = exampleServiceForFile({ edit: (yaml) => { const out = GRACE(yaml); if (out === yaml) throw new Error('learn.newcomer_grace_seconds not found in the example'); return out; } });
const shipped = exampleServiceForFile();
const TUE = Date.UTC(2027, 8, 14, 0, 0, 0);
const at = (hh: number, mm: number, ss = 0) => TUE + ((hh * 60 + mm) * 60 + ss) * 1000;
const MAC = 'darwin/arm64';

const { send } = findingRequests(s, { host: API, source: ZRH_OFFICE, ua: KUBECTL(MAC), firstDay: TUE, secondDay: TUE });
const asShipped = findingRequests(shipped, { host: API, source: ZRH_OFFICE, ua: KUBECTL(MAC), firstDay: TUE, secondDay: TUE }).send;
const text = (res: Awaited<ReturnType<typeof send>>) => JSON.stringify(deniedBody(res));

describe('a new kind of client within the hour after the sign-in, with client_grace_seconds: 3600', () => {
  it("the data scientist's notebook kernel, 25 minutes after the morning's kubectl, is not asked", async () => {
    const login = signIn('cg-ds@meridian.example', at(7, 4, 20));
    expect((await send(login, at(7, 5), 'GET', '/api/v1/namespaces/team-vision/pods')).status.code).toBe(0);
    const kernel = { ua: PYCLIENT, source: NOTEBOOK_VM };
    const first = await send(login, at(7, 30), 'GET', '/api/v1/namespaces/team-vision/pods?labelSelector=training.kubeflow.org%2Fjob-name', kernel);
    expect(first.status.code, `${reasonOf(first)} ${rules(first)}`).toBe(0);
    expect((await send(login, at(7, 31), 'GET', '/api/v1/namespaces/team-vision/pods/train-0/log?container=pytorch&tailLines=100', kernel)).status.code).toBe(0);
    // Learned by that request: hours later, with the same login, the kernel is no new client.
    expect((await send(login, at(11, 0), 'GET', '/api/v1/namespaces/team-vision/pods', kernel)).status.code).toBe(0);
  });

  it("an ML engineer's first `ray job submit` two hours after the sign-in is asked once", async () => {
    const login = signIn('cg-mle@meridian.example', at(7, 4, 20));
    expect((await send(login, at(7, 5), 'GET', '/api/v1/namespaces/team-nlp/pods')).status.code).toBe(0);
    const job = { host: RAY, ua: RAY_CLI, body: JSON.stringify({ entrypoint: 'python batch_infer.py --shards 64', metadata: { job_submission_id: '' } }) };
    const asked = await send(login, at(9, 10), 'POST', '/api/jobs/', job);
    expect(reasonOf(asked)).toBe('auth_too_old');
    expect(text(asked)).toContain('new client since 09:10:00Z');
    const again = signIn('cg-mle@meridian.example', at(9, 10, 20));
    expect((await send(again, at(9, 10, 25), 'POST', '/api/jobs/', job)).status.code).toBe(0);
  });

  it("a script's client on the laptop hours after the sign-in is refused, the kernel proven or not", async () => {
    const login = signIn('cg-ds2@meridian.example', at(7, 4, 20));
    expect((await send(login, at(7, 5), 'GET', '/api/v1/namespaces/team-vision/pods')).status.code).toBe(0);
    expect((await send(login, at(7, 30), 'GET', '/api/v1/namespaces/team-vision/pods', { ua: PYCLIENT, source: NOTEBOOK_VM })).status.code).toBe(0);
    const malware = await send(login, at(13, 0), 'GET', '/api/v1/namespaces/team-vision/secrets', { ua: 'python-requests/2.32.3' });
    expect(reasonOf(malware)).toBe('auth_too_old');
    expect(text(malware)).toContain('new client since 13:00:00Z');
  });

  it("the price: malware's own client on the laptop a minute after the engineer's sign-in is allowed; as shipped, refused", async () => {
    for (const [go, expected] of [[send, 'allowed'], [asShipped, 'auth_too_old']] as const) {
      const login = signIn('cg-victim@meridian.example', at(9, 0));
      expect((await go(login, at(9, 0, 20), 'GET', '/api/v1/namespaces/team-vision/pods')).status.code).toBe(0);
      // CDK's secret dump as the attack catalog sends it (Go's net/http agent), 40 s later.
      const dump = await go(login, at(9, 1), 'GET', '/api/v1/namespaces/team-vision/secrets', { ua: 'Go-http-client/1.1' });
      expect(reasonOf(dump) ?? 'allowed').toBe(expected);
    }
  });
});
