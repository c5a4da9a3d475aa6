import { RequestHeaders } from '../../request/header-list.js';
import type { GuardrailSettings } from '../settings.js';
import type { Violation } from '../types.js';

/**
 * One authorization check kube-apiserver makes for an impersonating request (its impersonation
 * filter asks the authorizer about each, with verb `impersonate`, before the request runs as the
 * impersonated user): users, groups and serviceaccounts in the core group; uids and
 * `userextras/<key>` in authentication.k8s.io.
 */
export interface ImpersonationCheck {
  apiGroup: '' | 'authentication.k8s.io';
  resource: 'users' | 'groups' | 'serviceaccounts' | 'uids' | 'userextras';
  /** The extra's key for userextras, else ''. */
  subresource: string;
  /** Set for serviceaccounts only. */
  namespace: string;
  name: string;
}

const SA_PREFIX = 'system:serviceaccount:';
const EXTRA_PREFIX = 'impersonate-extra-';
const MAX_CHECKS = 20;
const MAX_NAME = 120;

/** Whether any header asks kube to impersonate; cheap enough for every request. */
export function hasImpersonation(headers: ReadonlyMap<string, string>): boolean {
  if (headers instanceof RequestHeaders) return headers.hasNameStartingWith('impersonate-');
  for (const name of headers.keys()) if (name.startsWith('impersonate-')) return true;
  return false;
}

/**
 * The checks kube makes for the request's Impersonate-* headers, in header order. Repeated
 * headers reach stepgate joined with ',' (Envoy merges them), so a value is split on ',' the way
 * one-value-per-header clients (kubectl, client-go) send groups and extras. An Impersonate-*
 * header kube does not know (`Impersonate-Foo`) is listed as a `users` check on its own value:
 * it is not honoured today, but a header in that namespace is never waved through silently.
 */
export function impersonationChecks(headers: ReadonlyMap<string, string>): ImpersonationCheck[] {
  const out: ImpersonationCheck[] = [];
  const push = (c: ImpersonationCheck) => {
    if (out.length < MAX_CHECKS) out.push({ ...c, name: clip(c.name), subresource: clip(c.subresource) });
  };
  for (const [name, value] of headers) {
    if (!name.startsWith('impersonate-')) continue;
    if (name === 'impersonate-user') {
      if (value.startsWith(SA_PREFIX)) {
        const rest = value.slice(SA_PREFIX.length);
        const colon = rest.indexOf(':');
        push({ apiGroup: '', resource: 'serviceaccounts', subresource: '', namespace: colon < 0 ? '' : rest.slice(0, colon), name: colon < 0 ? rest : rest.slice(colon + 1) });
      } else {
        push({ apiGroup: '', resource: 'users', subresource: '', namespace: '', name: value });
      }
    } else if (name === 'impersonate-group') {
      for (const g of value.split(',')) push({ apiGroup: '', resource: 'groups', subresource: '', namespace: '', name: g.trim() });
    } else if (name === 'impersonate-uid') {
      push({ apiGroup: 'authentication.k8s.io', resource: 'uids', subresource: '', namespace: '', name: value });
    } else if (name.startsWith(EXTRA_PREFIX)) {
      const key = extraKey(name.slice(EXTRA_PREFIX.length));
      for (const v of value.split(',')) push({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, namespace: '', name: v.trim() });
    } else {
      push({ apiGroup: '', resource: 'users', subresource: '', namespace: '', name: `${name}: ${value}` });
    }
  }
  return out;
}

/** `impersonate serviceaccounts ci/deployer`, the way kubectl auth can-i would name it. */
export function describeCheck(c: ImpersonationCheck): string {
  const res = `${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.apiGroup ? `.${c.apiGroup}` : ''}`;
  return `impersonate ${res} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
}

/**
 * impersonation: the request asks kube to run it as another user, group, uid or with other extras.
 * Whoever may impersonate holds every privilege of whoever they may impersonate, so one header
 * (`Impersonate-Group: system:masters`) is a privilege change as large as any manifest; it gets its
 * own effect, so a policy can ask for a step-up (and automation for an approval) for it.
 */
export function checkImpersonation(headers: ReadonlyMap<string, string>, settings?: Pick<GuardrailSettings, 'privilegedUser' | 'privilegedGroup'>): Violation[] {
  if (!hasImpersonation(headers)) return [];
  const checks = impersonationChecks(headers);
  const shown = checks.slice(0, 5).map(describeCheck);
  const more = checks.length > 5 ? `, and ${checks.length - 5} more` : '';
  const out: Violation[] = [{ code: 'impersonation', detail: `the request impersonates: ${shown.join(', ')}${more}` }];
  const privileged = settings === undefined ? [] : privilegedTargets(headers, settings);
  if (privileged.length > 0) out.push({ code: 'impersonation_privileged', detail: `the request runs as ${privileged.join(', ')}` });
  return out;
}

/**
 * impersonation_privileged: the identities among the request's Impersonate-User and
 * Impersonate-Group values that the configuration names as all-powerful (system:masters and the
 * like). `kubectl auth can-i --as=bob` is routine for platform engineers and stays `impersonation`
 * only; running as system:masters is cluster-admin for that request, whatever it does, so it gets
 * its own effect. Read from the raw headers rather than the checks: a group is split on ',' like
 * Envoy joins repeated headers, so `system:masters` hidden in a joined value is still found (kube
 * would read a single such header as one odd group name: flagging it errs on the safe side).
 */
function privilegedTargets(headers: ReadonlyMap<string, string>, s: Pick<GuardrailSettings, 'privilegedUser' | 'privilegedGroup'>): string[] {
  const out: string[] = [];
  const user = headers.get('impersonate-user');
  if (user !== undefined) {
    // kube runs as the first of several Impersonate-User headers (Header.Get), which Envoy joins
    // with ',' before stepgate sees them: `system:admin` then `bob` arrives as "system:admin,bob".
    // Every part is a candidate, and so is the whole (a single header kube reads as one name).
    const whole = user.trim();
    if (s.privilegedUser(whole)) out.push(`user ${clip(whole)}`);
    else if (whole.includes(',')) {
      for (const u of whole.split(',')) {
        const name = u.trim();
        if (out.length < 5 && s.privilegedUser(name)) out.push(`user ${clip(name)}`);
      }
    }
  }
  const groups = headers.get('impersonate-group');
  if (groups !== undefined) {
    for (const g of groups.split(',')) {
      const name = g.trim();
      if (out.length < 5 && s.privilegedGroup(name)) out.push(`group ${clip(name)}`);
    }
  }
  return out;
}

/** kube reads the key from the header name percent-decoded and lower-cased. */
function extraKey(raw: string): string {
  try {
    return decodeURIComponent(raw).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

function clip(s: string): string {
  return s.length > MAX_NAME ? `${s.slice(0, MAX_NAME)}…` : s;
}
