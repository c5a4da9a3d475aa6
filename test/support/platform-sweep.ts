import { describe, expect, it } from 'vitest';
import { ELSEWHERE, OFFICE, reason, rules, type BuiltServer, type freshSubjects, type Level } from './built-server.js';
import type { CheckResponse } from './grpc-client.js';
import { checkRequest } from './requests.js';

/**
 * A platform's front door swept black-box (attack-rancher, attack-openshift): each sensitive action
 * is sent with the victim's token in two states, and each must be challenged or refused.
 *
 * - `known`: a one-factor sign-in a minute old, from the victim's office after the victim's own
 *   read by the same client (a copied kubeconfig, malware with the everyday sign-in);
 * - `remote`: two factors a minute old, from a network the victim never used (a phished token).
 */
export interface SweepRequest {
  host: string;
  method: string;
  path: string;
  /** JSON, or a string sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type SweepState = 'known' | 'remote';
export const SWEEP_STATES: Readonly<Record<SweepState, { level: Level; source: string }>> = {
  known: { level: 'aal1', source: OFFICE },
  remote: { level: 'aal2', source: ELSEWHERE },
};

export const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const JSON_CT = { 'content-type': 'application/json' };
export const MERGE = { 'content-type': 'application/merge-patch+json' };

/** How a platform's client sends a request, and the victim's own earlier read by that client. */
export interface SweepClient {
  userAgent: string;
  own: { host: string; path: string; userAgent: string };
}

/**
 * `send(req, state)`: the victim's own read (which must be allowed: the `known` state's context),
 * then `req` with the same token from the state's network.
 */
export function sweepSender(server: () => BuiltServer, subjects: ReturnType<typeof freshSubjects>, clientOf: (req: SweepRequest) => SweepClient) {
  return async function send(req: SweepRequest, state: SweepState): Promise<CheckResponse> {
    const s = SWEEP_STATES[state];
    const token = await subjects.tokenOf(s.level, 60);
    const client = clientOf(req);
    const own = await server().client.check(checkRequest({ host: client.own.host, source: OFFICE, path: client.own.path, token, headers: { 'user-agent': client.own.userAgent } }));
    expect(reason(own), "the victim's own request").toBe('allowed');
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const headers = { 'user-agent': client.userAgent, ...(body !== undefined ? { 'x-envoy-auth-partial-body': 'false' } : {}), ...req.headers };
    return server().client.check(checkRequest({ host: req.host, source: s.source, method: req.method, path: req.path, token, headers, body }));
  };
}

/** A request with a JSON body's content type unless the caller names another. */
export function sweepRequest(host: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): SweepRequest {
  return { host, method, path, body, headers: body === undefined ? headers : { ...JSON_CT, ...headers } };
}

/** A sensitive action, every way the platform takes it, and the rule (or `guardrail:<code>`) that must answer. */
export interface SweepAttack {
  what: string;
  rule: string;
  via: readonly [string, SweepRequest][];
}

type Send = (req: SweepRequest, state: SweepState) => Promise<CheckResponse>;

/** Each way of each attack, with both tokens: challenged or refused, naming its rule. */
export function sweepAttacks(attacks: readonly SweepAttack[], send: Send): void {
  describe.each(attacks)('$what', ({ rule, via }) => {
    describe.each(via)('through %s', (_how, req) => {
      it.each(['known', 'remote'] as const)('with the %s token: challenged or refused', async (state) => {
        const res = await send(req, state);
        expect(reason(res), rules(res)).not.toBe('allowed');
        expect(rules(res)).toContain(rule);
      });
    });
  });
}

/** The routine neighbours, allowed with the everyday sign-in from the office, so each attack row can fail. */
export function sweepRoutine(routine: readonly [string, SweepRequest][], send: Send): void {
  describe.each(routine)('%s', (_what, req) => {
    it('is allowed with the known token', async () => {
      const res = await send(req, 'known');
      expect(reason(res), rules(res)).toBe('allowed');
    });
  });
}
