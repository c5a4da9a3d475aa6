import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ADMIN_PATH } from './admin.js';
import { envValue } from '../config/environment.js';
import { isLoopbackHost } from '../config/schema/common.js';
import { readableLine } from '../core/readable.js';
import type { IncidentDoc, RevocationDoc } from '../incident/model.js';

/**
 * `stepgate incident raise|list|end` and `stepgate revoke subject|session`: thin clients of the
 * admin API on a running stepgate's step-up listener (docs/incident-runbook.md). The token is an
 * admin issuer's bearer token; it is read from a file or the environment, never printed.
 */

export interface AdminIo {
  out(text: string): void;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** A usage mistake (exit 64); `status` set for an answer of the server. */
export class AdminCliError extends Error {
  constructor(
    message: string,
    readonly exit: number,
  ) {
    super(message);
  }
}

const COMMON = {
  server: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export const INCIDENT_HELP = `usage: stepgate incident raise --reason TEXT --for DURATION SCOPE... EFFECT... [common options]
       stepgate incident list [common options]
       stepgate incident end ID [common options]

Raises, lists or ends an incident on every replica at once (through the shared state store). An
incident tightens what matching requests need, never loosens it, and ends by itself.

  --reason TEXT              shown to the people it challenges (required)
  --for DURATION             how long: 90s, 30m, 2h (required; at most incident.max_duration_seconds)
  scope (at least one, or --all; different options must all match, repeats of one option any):
  --all                      every request
  --host GLOB                repeatable, e.g. --host '*.prod.example.com'
  --namespace GLOB           repeatable Kubernetes namespace glob, e.g. --namespace 'payments-*'
  --subject S                repeatable subject (as in the token's subject claim)
  --group G                  repeatable group
  effect (at least one):
  --require LEVEL            an assurance level, e.g. aal3
  --max-age SECONDS          authentication at most this old
  --deny                     refuse outright
common options:
  --server URL               the step-up listener, e.g. https://auth.example.com (default STEPGATE_ADMIN_URL)
  --token JWT | --token-file FILE
                             an admin bearer token (default STEPGATE_ADMIN_TOKEN)
  --json                     print the API's JSON answer

Exit status: 0 done; 1 refused by the server (invalid input, no such incident, state store down);
64 bad arguments; 69 the server cannot be reached; 77 the token is not an admin's.`;

export const REVOKE_HELP = `usage: stepgate revoke subject SUBJECT [--issuer ISSUER] [--keep-history] --reason TEXT [common options]
       stepgate revoke session SID --reason TEXT [common options]

Revokes, on every replica, a subject (every credential it authenticated before now: tokens and
step-up sessions; what the risk engine learnt of its networks and devices is forgotten) or one
IdP session (its sid). The next request must authenticate afresh.

  --issuer ISSUER            only this issuer's subject (default: the subject of every issuer)
  --keep-history             keep what the risk engine learnt of the subject: a precautionary
                             revocation (every user after an identity provider's session reset);
                             for a suspected compromise leave it out
  --reason TEXT              why, for the audit log (required)
common options: --server URL, --token JWT | --token-file FILE, --json (see stepgate incident --help)

Exit status: 0 done; 1 refused by the server; 64 bad arguments; 69 the server cannot be reached;
77 the token is not an admin's.`;

export async function runIncident(args: string[], io: AdminIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'raise') {
    const { values } = parseArgs({
      args: rest,
      options: {
        ...COMMON,
        reason: { type: 'string' },
        for: { type: 'string' },
        all: { type: 'boolean', default: false },
        host: { type: 'string', multiple: true, default: [] },
        namespace: { type: 'string', multiple: true, default: [] },
        subject: { type: 'string', multiple: true, default: [] },
        group: { type: 'string', multiple: true, default: [] },
        require: { type: 'string' },
        'max-age': { type: 'string' },
        deny: { type: 'boolean', default: false },
      },
    });
    if (!values.reason) throw new AdminCliError('incident raise needs --reason', 64);
    if (!values.for) throw new AdminCliError('incident raise needs --for (e.g. --for 30m): every incident ends by itself', 64);
    const scope: Record<string, unknown> = {};
    if (values.all) scope.all = true;
    if (values.host.length) scope.hosts = values.host;
    if (values.namespace.length) scope.namespaces = values.namespace;
    if (values.subject.length) scope.subjects = values.subject;
    if (values.group.length) scope.groups = values.group;
    if (Object.keys(scope).length === 0) throw new AdminCliError('incident raise needs a scope: --all, --host, --namespace, --subject or --group', 64);
    const body: Record<string, unknown> = { scope, reason: values.reason, duration_seconds: duration(values.for) };
    if (values.require !== undefined) body.require = values.require;
    if (values['max-age'] !== undefined) {
      if (!/^\d+$/.test(values['max-age'])) throw new AdminCliError('--max-age must be a whole number of seconds', 64);
      body.max_age = Number(values['max-age']);
    }
    if (values.deny) body.deny = true;
    if (body.require === undefined && body.max_age === undefined && body.deny === undefined) throw new AdminCliError('incident raise needs an effect: --require, --max-age or --deny', 64);
    const r = await call(io, values, 'POST', '/incidents', body);
    if (values.json) return print(io, r);
    const inc = (r as { incident: IncidentDoc }).incident;
    io.out(`raised ${inc.id} until ${new Date(inc.expires_at).toISOString()}\n${describe(inc)}\n`);
    return 0;
  }
  if (sub === 'list') {
    const { values, positionals } = parseArgs({ args: rest, options: COMMON, allowPositionals: true });
    if (positionals.length > 0) throw new AdminCliError('incident list takes no arguments', 64);
    const r = await call(io, values, 'GET', '/incidents');
    if (values.json) return print(io, r);
    const list = (r as { incidents: IncidentDoc[] }).incidents;
    io.out(list.length === 0 ? 'no incident in force\n' : `${list.map(describe).join('\n')}\n`);
    return 0;
  }
  if (sub === 'end') {
    const { values, positionals } = parseArgs({ args: rest, options: COMMON, allowPositionals: true });
    if (positionals.length !== 1) throw new AdminCliError('incident end takes one incident id', 64);
    const r = await call(io, values, 'DELETE', `/incidents/${encodeURIComponent(positionals[0]!)}`);
    if (values.json) return print(io, r);
    io.out(`ended ${(r as { incident: IncidentDoc }).incident.id}\n`);
    return 0;
  }
  throw new AdminCliError(`incident: expected raise, list or end${sub === undefined ? '' : `, got ${JSON.stringify(sub.slice(0, 40))}`}`, 64);
}

export async function runRevoke(args: string[], io: AdminIo): Promise<number> {
  const [kind, ...rest] = args;
  if (kind !== 'subject' && kind !== 'session') throw new AdminCliError('revoke: expected subject or session', 64);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { ...COMMON, reason: { type: 'string' }, ...(kind === 'subject' ? { issuer: { type: 'string' }, 'keep-history': { type: 'boolean', default: false } } : {}) },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new AdminCliError(`revoke ${kind} takes one ${kind === 'subject' ? 'subject' : 'session id'}`, 64);
  if (!values.reason) throw new AdminCliError(`revoke ${kind} needs --reason`, 64);
  const body: Record<string, unknown> = { kind, reason: values.reason };
  body[kind] = positionals[0];
  const issuer = (values as { issuer?: string }).issuer;
  if (issuer !== undefined) body.issuer = issuer;
  if ((values as { 'keep-history'?: boolean })['keep-history'] === true) body.keep_history = true;
  const r = await call(io, values, 'POST', '/revocations', body);
  if (values.json) return print(io, r);
  const rev = (r as { revocation: RevocationDoc }).revocation;
  const what = rev.kind === 'subject' ? `subject ${rev.subject}${rev.issuer ? ` of ${rev.issuer}` : ' (every issuer)'}` : `session ${rev.session}`;
  const effect =
    rev.kind === 'subject'
      ? `credentials authenticated before then are refused on every replica${rev.keep_history === true ? '; what was learnt of the subject is kept' : ''}`
      : 'every credential of this session is refused on every replica';
  io.out(`revoked ${what} at ${new Date(rev.at).toISOString()}: ${effect}\n`);
  return 0;
}

function describe(i: IncidentDoc): string {
  const s = i.scope;
  const scope = s.all
    ? 'everything'
    : [s.hosts && `hosts ${s.hosts.join(',')}`, s.namespaces && `namespaces ${s.namespaces.join(',')}`, s.subjects && `subjects ${s.subjects.join(',')}`, s.groups && `groups ${s.groups.join(',')}`]
        .filter(Boolean)
        .join(' and ');
  const effect = [i.deny && 'deny', i.require && `require ${i.require}`, i.max_age !== undefined && `max_age ${i.max_age}s`].filter(Boolean).join(', ');
  return `${i.id}  ${scope}: ${effect}  until ${new Date(i.expires_at).toISOString()}  by ${i.by.subject}  "${i.reason}"`;
}

/** 90, 90s, 30m, 2h, 1d → seconds. */
export function duration(v: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(v.trim());
  if (!m) throw new AdminCliError(`--for must be a duration such as 90s, 30m or 2h, got ${JSON.stringify(v.slice(0, 40))}`, 64);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

function print(io: AdminIo, r: unknown): number {
  io.out(`${JSON.stringify(r, null, 2)}\n`);
  return 0;
}

async function call(io: AdminIo, values: { server?: string | undefined; token?: string | undefined; 'token-file'?: string | undefined }, method: string, path: string, body?: unknown): Promise<unknown> {
  const server = values.server ?? envValue(io.env, 'adminUrl');
  if (!server) throw new AdminCliError('give --server URL (the step-up listener) or set STEPGATE_ADMIN_URL', 64);
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new AdminCliError(`--server must be a URL, got ${JSON.stringify(server.slice(0, 100))}`, 64);
  }
  // The admin token raises incidents and revokes access on every replica: over plain http only to
  // this machine, as the plugin sends its token. A loopback address or `localhost` itself (the
  // hosts file's), never a name under `.localhost`: browsers keep those on this machine, Node asks
  // the network's resolver (getaddrinfo without systemd's nss-myhostname), which may answer with
  // any address. The schema's http issuer is the server's, resolved where stepgate runs.
  if (base.protocol !== 'https:' && !(base.protocol === 'http:' && !base.hostname.endsWith('.localhost') && isLoopbackHost(base.hostname))) {
    throw new AdminCliError(`--server must be https:// (plain http only to this machine): the admin token would cross the network in clear to ${base.host}`, 64);
  }
  if (values.token !== undefined && values['token-file'] !== undefined) throw new AdminCliError('give --token or --token-file, not both', 64);
  let token = values.token ?? envValue(io.env, 'adminToken');
  if (values['token-file'] !== undefined) {
    try {
      token = readFileSync(values['token-file'], 'utf8').trim();
    } catch (err) {
      throw new AdminCliError(`--token-file: cannot read ${JSON.stringify(values['token-file'])} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 66);
    }
  }
  if (!token) throw new AdminCliError('give --token, --token-file or STEPGATE_ADMIN_TOKEN: the admin API refuses anonymous calls', 64);
  const url = new URL(`${ADMIN_PATH}${path}`, base);
  let res: Response;
  try {
    res = await (io.fetch ?? fetch)(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
      // Never on to wherever a redirect points: the token was given for this server.
      redirect: 'manual',
    });
  } catch (err) {
    throw new AdminCliError(`cannot reach ${url.origin}: ${(err as Error).message}`, 69);
  }
  if (res.status >= 300 && res.status < 400) {
    throw new AdminCliError(`${url.origin} answered ${res.status}, a redirect, which is not followed with the admin token: give --server the step-up listener's own address`, 69);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AdminCliError(`${url.origin} answered ${res.status} without JSON: is --server the step-up listener?`, 69);
  }
  if (res.ok) return json;
  const e = json as { error?: string; code?: string; message?: string };
  // The server's words go to the operator's terminal: shown, never obeyed.
  const message = readableLine(`the server refused (${res.status} ${e.code ?? e.error ?? ''}): ${e.message ?? ''}`.trim());
  throw new AdminCliError(message, res.status === 401 || res.status === 403 ? 77 : 1);
}
