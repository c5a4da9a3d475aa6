import { kubeRequestInfo } from '../../src/request/kube.js';
import type { Login } from './workday.js';

/**
 * Kubernetes audit events for requests a test sent, written as kube-apiserver's log backend would
 * have written them had the requests reached it (the log from before stepgate, or in global shadow
 * mode): one JSON object per line, the user's assurance in `user.extra` under the keys a
 * structured-authentication `claimMappings.extra` would produce.
 */

export interface LoggedRequest {
  at: number;
  method: string;
  /** Path and query, as sent. */
  target: string;
  ip: string;
  ua: string;
  login: Login;
  body?: unknown;
  impersonate?: { username: string; groups?: string[] };
}

export const EXTRA = { acr: 'example.com/acr', amr: 'example.com/amr', authTime: 'example.com/auth_time', sid: 'example.com/sid' };

/** amr as the test IdP sets it per acr (test/support/workday-service.ts). */
export function amrOf(acr: Login['acr']): string[] {
  return acr === 'urn:stepgate:aal3' ? ['hwk', 'mfa'] : acr === 'urn:stepgate:aal2' ? ['pwd', 'otp', 'mfa'] : ['pwd'];
}

export interface EventOptions {
  apiVersion?: 'audit.k8s.io/v1' | 'audit.k8s.io/v1beta1';
  /** Which stages to write, in order (kube-apiserver's omitStages decides in real life). */
  stages?: ('RequestReceived' | 'ResponseStarted' | 'ResponseComplete')[];
  usernamePrefix?: string;
  level?: 'Metadata' | 'Request' | 'RequestResponse';
}

export function auditLines(r: LoggedRequest, auditID: string, o: EventOptions = {}): string[] {
  const q = r.target.indexOf('?');
  const path = q < 0 ? r.target : r.target.slice(0, q);
  const info = kubeRequestInfo(r.method, path, q < 0 ? '' : r.target.slice(q + 1), () => undefined);
  const prefix = o.usernamePrefix ?? 'oidc:';
  const extra: Record<string, string[]> = { [EXTRA.acr]: [r.login.acr], [EXTRA.amr]: amrOf(r.login.acr), [EXTRA.sid]: [r.login.sid] };
  if (r.login.authTime !== undefined) extra[EXTRA.authTime] = [String(r.login.authTime)];
  const received = micro(r.at);
  const level = o.level ?? (r.body !== undefined ? 'Request' : 'Metadata');
  const base: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: o.apiVersion ?? 'audit.k8s.io/v1',
    level,
    auditID,
    requestURI: r.target,
    verb: info.verb,
    user: { username: `${prefix}${r.login.sub}`, uid: `uid-${r.login.sub}`, groups: [`${prefix}engineers`, 'system:authenticated'], extra },
    sourceIPs: [r.ip],
    userAgent: r.ua,
    requestReceivedTimestamp: received,
  };
  if (r.impersonate) base.impersonatedUser = { username: r.impersonate.username, groups: r.impersonate.groups ?? [] };
  if (info.isResourceRequest) {
    base.objectRef = {
      resource: info.resource,
      ...(info.namespace ? { namespace: info.namespace } : {}),
      ...(info.name ? { name: info.name } : {}),
      apiGroup: info.apiGroup || undefined,
      apiVersion: info.apiVersion,
      ...(info.subresource ? { subresource: info.subresource } : {}),
    };
  }
  if (o.apiVersion === 'audit.k8s.io/v1beta1') base.metadata = { creationTimestamp: new Date(r.at).toISOString() };
  return (o.stages ?? ['ResponseComplete']).map((stage, k) => {
    const e: Record<string, unknown> = { ...base, stage, stageTimestamp: micro(r.at + 5 + k) };
    // The request object is decoded after RequestReceived: that stage never has it.
    if (stage !== 'RequestReceived' && r.body !== undefined && level !== 'Metadata') e.requestObject = r.body;
    if (stage === 'ResponseComplete') e.responseStatus = { metadata: {}, code: 200 };
    return JSON.stringify(e);
  });
}

function micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
