/**
 * The fresh-server over-days taken apart ask by ask: replays the given days without the warm-up
 * day with every Check of the engineers logged, keeps the engineer-days over issue 12's target on
 * the fresh server whose warm row (FILE, default bench/day-matrix.json) is not over, and classifies
 * each second and later challenge of those days against the sign-ins the engineer made before it:
 *
 *   npx tsx bench/day-matrix-asks.ts [FILE.json] [--days=4,5,16,18,20,34] [--seeds=21] [--list] [--trace=ENGINEER] [--reads]
 *
 * `--list` prints each classified ask with why; `--trace=d34-eng-7` every Check of the engineers
 * whose name begins so (time, allow or ask, the token's auth_time, address, client, request, cause);
 * `--reads` lets an earlier allowed read on a sign-in made after the namespace's first sighting
 * count as its proof too (class a), not only a write. Requests made with an engineer's token by a
 * replayed attacker are left out (their method, path and address within 10 minutes of an attack
 * event).
 *
 *   a  the context was proven by the engineer's own sign-in on this server (the request a sign-in
 *      answered came from the same network, was in the same namespace, from the same client)
 *   b  a sibling the proof did not cover: a network first used within 15 minutes of a sign-in by
 *      the same client, or a namespace the engineer had reached (any request) before or within
 *      the hour after the sign-in in use
 *   c  a context first met later than that (a real move, new work)
 *   d  no context of its own: a rule's freshness or level, a guardrail, a band
 */
import { readFileSync } from 'node:fs';
import type { Row } from './day-matrix-row.js';
import { DAYS } from './day-matrix-days.js';
import { exampleService } from '../test/support/workday-service.js';
import { replay } from '../test/support/workday.js';
import { deniedBody, type CheckResponse } from '../test/support/grpc-client.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const file = args.find((a) => !a.startsWith('--')) ?? 'bench/day-matrix.json';
const dayList = (flag('days') ?? '4,5,16,18,20,34').split(',');
const list = args.includes('--list');
const WINDOW = 15 * 60_000;
const GRACE = 3_600_000;

const warmRows = (JSON.parse(readFileSync(file, 'utf8')) as Row[]).filter((r) => r.warmup);
const warmOver = new Map(warmRows.map((r) => [`${r.day}/${r.seed}`, new Set(r.over.map((o) => o.split(':')[0]!))]));

interface Seen {
  at: number;
  sub: string;
  authTime: number;
  ip: string;
  net: string;
  ua: string;
  ns: string | undefined;
  method: string;
  path: string;
  allow: boolean;
  context?: string;
  cause?: string;
  /** The context's message (why its binding is not met). */
  message?: string;
}

const netOf = (ip: string) => (ip.includes(':') ? ip.split(':').slice(0, 4).join(':') : ip.split('.').slice(0, 3).join('.'));
/**
 * The namespace a request is in, with its cluster where a site has several behind one gateway (day
 * 34: one API host per customer, Headlamp's `/clusters/<name>/`), whose namespaces' names collide.
 */
function nsOf(host: string, path: string): string | undefined {
  const ns = /\/namespaces\/([^/?]+)/.exec(path)?.[1];
  if (ns === undefined) return undefined;
  const cluster = /^\/clusters\/([^/]+)\//.exec(path)?.[1];
  return cluster !== undefined ? `${cluster}/${ns}` : host === '' || host === 'kube.localhost' ? ns : `${host}/${ns}`;
}
function claims(token: string): { sub: string; auth_time: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; auth_time: number };
}
function causeOf(res: CheckResponse): { context?: string; cause: string; message?: string } {
  const body = deniedBody(res);
  const p = (body.kind === 'Status' ? body.stepgate : body) as { risk?: { band?: string; reasons: { code: string; weight: number }[]; context?: { code: string; message?: string } }; guardrails?: { code: string }[] };
  if (p?.risk?.context) return { context: p.risk.context.code, cause: `context: ${p.risk.context.code}`, message: p.risk.context.message ?? '' };
  if (p?.risk?.band) return { cause: `band ${p.risk.band}: ${p.risk.reasons.filter((c) => c.weight > 0).map((c) => `${c.code}=${c.weight}`).join('+')}` };
  if (p?.guardrails?.length) return { cause: `guardrail: ${p.guardrails.map((g) => g.code).join('+')}` };
  return { cause: 'policy' };
}

const table = new Map<string, Record<string, number>>();
/** Per class and what was asked (network, namespace, delete, …): the days of each ask. */
const subs = new Map<string, string[]>();
/** Per day: the fresh-server over-days whose warm row is not over. */
const overDays = new Map<string, number>();
const clock = { now: 0 };
for (const [day, build, seeds, opts] of DAYS.filter((d) => dayList.includes(d[0]))) {
  for (const seed of flag('seeds')?.split(',').map(Number) ?? seeds) {
    const events = build(seed).filter((e) => e.scored);
    // An attacker holding an engineer's token sends it too: their requests are no engineer's.
    const attackAt = new Map<string, number[]>();
    for (const e of events.filter((x) => x.attack !== undefined)) attackAt.set(`${e.method} ${e.path} ${e.ip}`, [...(attackAt.get(`${e.method} ${e.path} ${e.ip}`) ?? []), e.at]);
    const isAttack = (method: string, path: string, ip: string, at: number) => (attackAt.get(`${method} ${path} ${ip}`) ?? []).some((t) => Math.abs(at - t) < 600_000);
    const actors = new Set(events.filter((e) => !e.attack && e.actor !== 'ci' && !e.actor.startsWith('ctrl:')).map((e) => e.actor));
    const s = await exampleService({ transport: 'in-process', ...(opts.site ? { edit: opts.site } : {}), ...(opts.env ? { env: opts.env } : {}) });
    const log: Seen[] = [];
    const send = async (spec: Parameters<typeof s.send>[0]) => {
      const res = await s.send(spec);
      const token = (spec as { token?: string }).token;
      if (token) {
        const c = claims(token);
        if (actors.has(c.sub) && !isAttack(spec.method ?? 'GET', spec.path, spec.source ?? '', clock.now)) {
          const allow = res.status.code === 0;
          const why = allow ? undefined : causeOf(res);
          log.push({ at: clock.now, sub: c.sub, authTime: c.auth_time * 1000, ip: spec.source ?? '', net: netOf(spec.source ?? ''), ua: (spec.headers as Record<string, string> | undefined)?.['user-agent'] ?? '', ns: nsOf(spec.host ?? '', spec.path), method: spec.method ?? 'GET', path: spec.path, allow, ...(why?.context ? { context: why.context } : {}), ...(why ? { cause: why.cause } : {}), ...(why?.message ? { message: why.message } : {}) });
        }
      }
      return res;
    };
    const setClock = (ms: number) => {
      clock.now = ms;
      s.setClock(ms);
    };
    let report;
    try {
      report = await replay(events, s.minter, setClock, send, { ...opts, runAdmin: s.runAdmin });
    } finally {
      await s.close();
    }
    const trace = flag('trace');
    if (trace !== undefined) for (const l of log.filter((x) => x.sub.startsWith(trace))) console.log(`${hm(l.at)} ${l.allow ? 'ok ' : 'ASK'} auth ${hm(l.authTime)} ${l.ip} ${l.ua.slice(0, 40)} ${l.method} ${l.path.slice(0, 90)}${l.cause ? ` [${l.cause}${l.message ? `: ${l.message}` : ''}]` : ''}`);
    const warm = warmOver.get(`${day}/${seed}`) ?? new Set<string>();
    const EIGHT = 8 * 3_600_000;
    for (const e of report.engineers) {
      const at = e.challengedAt;
      let bad = at.length > Math.max(1, Math.ceil((e.last - e.first) / EIGHT));
      for (let i = 1; i < at.length; i++) if (at[i]! - at[i - 1]! < EIGHT) bad = true;
      if (!bad || warm.has(e.name)) continue;
      overDays.set(day, (overDays.get(day) ?? 0) + 1);
      const mine = log.filter((l) => l.sub === e.name);
      // Each challenge and the request its sign-in answered (the retry 25 s later).
      const asked = mine.filter((l, i) => !l.allow && at.includes(l.at) && mine.findIndex((m) => m.at === l.at && !m.allow) === i);
      for (let k = 1; k < asked.length; k++) {
        const a = asked[k]!;
        const before = asked.slice(0, k);
        // The sign-in in use is the token's own auth_time; the request it answered, the challenge before it.
        const answered = before.filter((b) => b.at <= a.authTime).at(-1);
        const inUse = answered && a.authTime > answered.at ? { at: a.authTime, req: answered } : undefined;
        let cls: string;
        let why: string;
        let sub: string;
        if (a.context === 'new_network') {
          const firstHere = mine.find((l) => l.net === a.net)!;
          // Proven: a challenge there answered, or an earlier allow there on a sign-in made after
          // (or, the newcomer's allowance, up to 10 minutes before) the network's first sighting.
          const proven = before.find((b) => b.net === a.net) ?? mine.find((l) => l.at < a.at && l.allow && l.net === a.net && l.authTime >= firstHere.at - 600_000);
          sub = 'network';
          if (proven) [cls, why] = ['a', `network ${a.net} proven at ${hm(proven.at)}`];
          else if (inUse && firstHere.at - inUse.at <= WINDOW && firstHere.ua === inUse.req.ua) [cls, why] = ['b', `network ${a.net} first used ${min(firstHere.at - inUse.at)} min after the sign-in at ${hm(inUse.at)} (same client)`];
          else [cls, why] = ['c', `network ${a.net} first used at ${hm(firstHere.at)}${inUse ? `, ${min(firstHere.at - inUse.at)} min after the sign-in in use` : ''}`];
        } else if (a.context === 'unfamiliar_namespace') {
          const firstHere = mine.find((l) => l.ns === a.ns)!;
          // Proven: a challenge for it answered, or an earlier allowed write there on a sign-in made
          // after the namespace's first sighting.
          const proven = before.find((b) => b.ns === a.ns && b.context === 'unfamiliar_namespace') ?? mine.find((l) => l.at < a.at && l.allow && l.ns === a.ns && (process.argv.includes('--reads') || l.method !== 'GET') && l.authTime >= firstHere.at);
          sub = a.message?.includes('cluster this identity has not worked in') === true ? 'namespace of a cluster never worked in' : 'namespace';
          if (proven) [cls, why] = ['a', `namespace ${a.ns} proven at ${hm(proven.at)} (${proven.method} ${proven.path})`];
          else if (a.method === 'DELETE' || /\/namespaces\/[^/]+$/.test(a.path)) [cls, why, sub] = ['c', `namespace ${a.ns}: ${a.method} ${a.path} (a delete or a Namespace change has no grace)`, 'delete'];
          else if (inUse && firstHere.at - inUse.at <= GRACE) [cls, why] = ['b', `namespace ${a.ns} first reached ${min(firstHere.at - inUse.at)} min from the sign-in at ${hm(inUse.at)} (${a.method} ${a.path})`];
          else [cls, why] = ['c', `namespace ${a.ns} first reached at ${hm(firstHere.at)}${inUse ? `, ${min(firstHere.at - inUse.at)} min after the sign-in in use` : ''} (${a.method} ${a.path})`];
        } else if (a.context !== undefined) {
          const proven = before.find((b) => b.ua === a.ua && b.context === a.context);
          sub = 'client kind';
          [cls, why] = proven ? ['a', `${a.context}: ${a.ua} was the context of the sign-in at ${hm(proven.at)}`] : ['c', `${a.context}: ${a.ua} from ${a.ip}`];
        } else [cls, why, sub] = ['d', `${a.cause} ${a.method} ${a.path}`, a.cause!.replace(/:.*$/, '')];
        const row = table.get(day) ?? {};
        row[cls] = (row[cls] ?? 0) + 1;
        table.set(day, row);
        subs.set(`${cls} ${sub}`, [...(subs.get(`${cls} ${sub}`) ?? []), day]);
        if (list) console.log(`${day} ${seed} ${e.name} ${hm(a.at)} ${cls} ${a.cause}: ${why}`);
      }
    }
    console.error(`day ${day} seed ${seed} done`);
  }
}
console.log('| day | over-days (fresh only) | asks after the first | a | b | c | d |');
console.log('|---|---|---|---|---|---|---|');
for (const [day, r] of table) console.log(`| ${day} | ${overDays.get(day) ?? 0} | ${(r.a ?? 0) + (r.b ?? 0) + (r.c ?? 0) + (r.d ?? 0)} | ${r.a ?? 0} | ${r.b ?? 0} | ${r.c ?? 0} | ${r.d ?? 0} |`);
console.log('');
console.log('| class | asked for | asks | days |');
console.log('|---|---|---|---|');
for (const [k, ds] of [...subs].sort(([a], [b]) => a.localeCompare(b))) {
  const byDay = new Map<string, number>();
  for (const d of ds) byDay.set(d, (byDay.get(d) ?? 0) + 1);
  console.log(`| ${k.slice(0, 1)} | ${k.slice(2)} | ${ds.length} | ${[...byDay].map(([d, n]) => `${d}: ${n}`).join(', ')} |`);
}

function hm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}
function min(ms: number): number {
  return Math.round(ms / 60_000);
}
