import type { ReplayReport, Tally, UserDay } from './replay.js';

/** The report for people: what was read, how assurance was read, one row per user and day, the requests behind each. */
export function renderTable(r: ReplayReport, samplesShown = 3): string {
  const i = r.input;
  const out: string[] = [];
  out.push(`stepgate replay of ${r.audit_log} with ${r.config} (${r.counted})`);
  out.push(`read: ${i.lines} lines, ${i.events} events, ${i.stages_deduplicated} later stages of the same requests dropped, ${i.requests} requests judged as sent to ${r.host}`);
  if (i.skipped_system_users > 0) out.push(`skipped: ${i.skipped_system_users} requests of system: users (--include-system judges them)`);
  if (i.malformed.total > 0) {
    const by = Object.entries(i.malformed.by_problem).map(([k, v]) => `${k} ${v}`).join(', ');
    out.push(`malformed: ${i.malformed.total} lines not read (${by}); first: ${i.malformed.first.slice(0, 5).map((p) => `line ${p.line} ${p.problem} (${p.detail})`).join('; ')}`);
  }
  if (i.bodies_not_recorded > 0) out.push(`guardrails: ${i.bodies_not_recorded} writes had no requestObject in the log (audit level Metadata) and were judged without guardrails`);
  out.push(`period: ${i.from ?? '-'} .. ${i.to ?? '-'}`);
  const sa = r.service_account_issuers.length > 0 ? ` (service accounts of ${r.service_account_issuers.join(', ')}, as the automation section names them)` : '';
  out.push(`identity: audit users as subjects of ${r.issuer}${sa}; assurance from ${r.assurance}`);
  out.push(`totals: ${r.totals.requests} requests, ${r.totals.allowed} allowed, ${r.totals.challenges} step-up challenges, ${r.totals.denials} denials, ${r.totals.approvals} automation approvals needed`);
  out.push('');
  // The widest column last, so no row is padded after it.
  const rows: string[][] = [['day', 'user', 'requests', 'challenges', 'denials', 'approvals', 'assurance', 'why (rules, bands, guardrails)']];
  for (const d of r.days) {
    rows.push([
      d.day,
      d.automation ? `${d.user} (automation)` : d.user,
      String(d.requests),
      String(d.challenges.total),
      String(d.denials.total),
      String(d.approvals.total),
      assurance(d),
      why(d) || '-',
    ]);
  }
  out.push(...columns(rows));
  const by = byElement(r.days);
  if (by.length > 0) {
    out.push('', `by rule, band and guardrail (${r.counted === 'as configured' ? 'as configured' : 'what enforcing each would do'}):`);
    out.push(...columns([['element', 'challenges', 'denials', 'approvals', 'users'], ...by.map((e) => [e.name, String(e.challenges), String(e.denials), String(e.approvals), String(e.users.size)])], new Set([1, 2, 3, 4])).map((l) => `  ${l}`));
  }
  const behind = r.days.filter((d) => d.challenges.total + d.denials.total + d.approvals.total > 0);
  if (behind.length > 0) {
    out.push('', `requests behind each (first ${samplesShown}; --format json lists more):`);
    for (const d of behind) {
      for (const kind of ['challenges', 'denials', 'approvals'] as const) {
        const s = d.samples[kind];
        if (s.length === 0) continue;
        const more = s.length - Math.min(s.length, samplesShown) + d.samples_omitted[kind];
        out.push(`  ${d.day} ${d.user} ${kind}: ${s.slice(0, samplesShown).map((x) => `${x.audit_id} ${x.at.slice(11, 19)} ${x.verb} ${x.path} ${x.reason}`).join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

interface Element {
  name: string;
  challenges: number;
  denials: number;
  approvals: number;
  users: Set<string>;
}

/** Per rule, band, guardrail and the context binding: the requests they would refuse, and whose. */
function byElement(days: readonly UserDay[]): Element[] {
  const all = new Map<string, Element>();
  const add = (name: string, kind: 'challenges' | 'denials' | 'approvals', n: number, user: string) => {
    let e = all.get(name);
    if (e === undefined) {
      e = { name, challenges: 0, denials: 0, approvals: 0, users: new Set() };
      all.set(name, e);
    }
    e[kind] += n;
    e.users.add(user);
  };
  for (const d of days) {
    for (const kind of ['challenges', 'denials', 'approvals'] as const) {
      const t = d[kind];
      for (const [k, v] of Object.entries(t.by_rule)) add(`rule ${k}`, kind, v, d.user);
      for (const [k, v] of Object.entries(t.by_band)) add(`band ${k}`, kind, v, d.user);
      for (const [k, v] of Object.entries(t.by_guardrail)) add(`guardrail ${k}`, kind, v, d.user);
      if (t.context > 0) add('new context (risk)', kind, t.context, d.user);
    }
  }
  return [...all.values()].sort((a, b) => b.challenges + b.denials + b.approvals - (a.challenges + a.denials + a.approvals));
}

function why(d: UserDay): string {
  const all = new Map<string, number>();
  const add = (t: Tally) => {
    for (const [k, v] of Object.entries(t.by_rule)) all.set(k, (all.get(k) ?? 0) + v);
    for (const [k, v] of Object.entries(t.by_band)) all.set(`band ${k}`, (all.get(`band ${k}`) ?? 0) + v);
    for (const [k, v] of Object.entries(t.by_guardrail)) all.set(`guardrail ${k}`, (all.get(`guardrail ${k}`) ?? 0) + v);
    if (t.context > 0) all.set('new context', (all.get('new context') ?? 0) + t.context);
  };
  add(d.challenges);
  add(d.denials);
  add(d.approvals);
  return [...all.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

function assurance(d: UserDay): string {
  const a = d.assurance;
  return [a.extra > 0 && `log ${a.extra}`, a.assumed > 0 && `assumed ${a.assumed}`, a.unknown > 0 && `unknown ${a.unknown}`].filter(Boolean).join(', ');
}

function columns(rows: string[][], numeric: ReadonlySet<number> = new Set([2, 3, 4, 5])): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}
