import { expect } from 'vitest';
import { reasonOf, type CheckResponse } from './grpc-client.js';
import type { exampleServiceForFile } from './workday-service.js';
import type { Login } from './workday.js';

/**
 * The requests of a replayed day's findings tests (risk-day13-findings, risk-day14-findings): one
 * engineer's Check through the example service at a virtual time, their routine on two mornings
 * (so the working set and the context are theirs before the finding is sent), and the rules a
 * decision names.
 */

export interface FindingOpts {
  body?: string;
  rawBody?: Uint8Array;
  contentType?: string;
  ua?: string;
  source?: string;
  host?: string;
  /** Further request headers (a browser's fetch metadata). */
  headers?: Record<string, string>;
  /** The client certificate the gateway verified (`source.principal`). */
  principal?: string;
}

export type Step = [method: string, path: string, body?: string, contentType?: string];

export const signIn = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal2' });
export const rules = (res: CheckResponse) => res.dynamic_metadata?.fields.rules?.stringValue ?? '';

export function findingRequests(s: ReturnType<typeof exampleServiceForFile>, defaults: { host: string; source: string; ua: string; firstDay: number; secondDay: number }) {
  function send(login: Login, at: number, method: string, path: string, o: FindingOpts = {}): Promise<CheckResponse> {
    const { body, rawBody, contentType = 'application/json', ua = defaults.ua, source = defaults.source, host = defaults.host } = o;
    const hasBody = body !== undefined || rawBody !== undefined;
    const headers: Record<string, string> = { 'user-agent': ua, ...o.headers, ...(hasBody ? { 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' } : {}) };
    return s.sendAt(login, at, { method, path, source, host, headers, ...(o.principal !== undefined ? { principal: o.principal } : {}), ...(body !== undefined ? { body } : {}), ...(rawBody !== undefined ? { rawBody } : {}) });
  }
  /** Each step 20 s after the last, every one allowed. */
  async function routine(login: Login, t: number, reqs: Step[], o: FindingOpts): Promise<number> {
    for (const [method, path, body, contentType] of reqs) {
      const res = await send(login, (t += 20_000), method, path, { ...o, ...(body !== undefined ? { body } : {}), ...(contentType !== undefined ? { contentType } : {}) });
      expect(res.status.code, `${method} ${path}: ${reasonOf(res)} ${rules(res)}`).toBe(0);
    }
    return t;
  }
  /** Two days of the engineer's work, each after its morning sign-in; the second day's login. */
  async function twoDays(sub: string, reqs: Step[], o: FindingOpts = {}): Promise<Login> {
    await routine(signIn(sub, defaults.firstDay - 40_000), defaults.firstDay, reqs, o);
    const login = signIn(sub, defaults.secondDay - 40_000);
    await routine(login, defaults.secondDay, reqs, o);
    return login;
  }
  return { send, routine, twoDays };
}
