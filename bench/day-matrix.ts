/**
 * Issue 12's friction and attack figures over every replayed day and seed, with and without the
 * warm-up day, in one compact table per run (the before/after comparison docs/risk.md shows):
 *
 *   npx tsx bench/day-matrix.ts [--days=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,35r,36,37,38,39,40,41,42,43,44,45,46,47,48,49] [--seeds=41,42] [--no-warmup|--warmup-only] [--why] [--trace-attacks] [--snapshot] [--json=out.json]
 *
 * Per day, seed and mode: challenges on routine work, the engineers asked twice within 8 hours
 * (with their causes), 403s on routine work, CI refusals, and per attack the request it was first
 * refused at (or "-" when never; `--why` adds the cause; `--trace-attacks` prints every attack
 * request with its answer, allowed ones too: why the requests before the stop passed), then `dN` when a deny stopped an attacker who signs in. The seeds are those test/support/risk-day-targets.ts replays (days 8 to 31: all five here, one in the suite). Replays go through the server's Check handler in process (test/support/in-process-check.ts; less than half the CPU of loopback gRPC, the same report).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Row } from './day-matrix-row.js';
import { exampleService } from '../test/support/workday-service.js';
import { replay, type DayEvent, type DayReport, type Outcome } from '../test/support/workday.js';
import { DAYS } from './day-matrix-days.js';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dayList = (flag('days') ?? '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49').split(',');
const modes = process.argv.includes('--no-warmup') ? [false] : process.argv.includes('--warmup-only') ? [true] : [true, false];

/**
 * `--snapshot`: the memory store of every replay keeps a snapshot (its first start: a fresh file),
 * as a deployment that keeps its history does; without it the store remembers only since the
 * replay began, and a refusing band refuses unknown subjects (newcomer49, docs/risk.md "A
 * refusing band and a newcomer").
 */
const snapshotDir = process.argv.includes('--snapshot') ? mkdtempSync(join(tmpdir(), 'day-matrix-')) : undefined;
let replays = 0;

const EIGHT_HOURS = 8 * 3_600_000;

const traceAttacks = process.argv.includes('--trace-attacks');
/** `--trace-attacks`: one line per attack request, `S` marking the sensitive ones. */
const traceAttack = (day: string, seed: number, warmup: boolean) => (t: { attack: string; n: number; retry: boolean; ev: DayEvent; outcome: Outcome }) => {
  const o = t.outcome;
  console.log(`    trace day ${day} seed ${seed} ${warmup ? 'warm' : 'cold'} | ${t.attack} | #${t.n}${t.retry ? ' retry' : ''} ${t.ev.sensitive ? 'S' : '-'} ${t.ev.method} ${t.ev.path} from ${t.ev.ip} at ${new Date(t.ev.at).toISOString().slice(11, 19)} -> ${o.allow ? 'allowed' : `${o.reason} (${o.cause})`}`);
};

function summarise(day: string, seed: number, warmup: boolean, r: DayReport): Row {
  const over: string[] = [];
  const causes: Record<string, number> = {};
  let challenges = 0;
  let forbidden = 0;
  for (const e of r.engineers) {
    challenges += e.challenges;
    forbidden += e.forbidden;
    for (const c of e.causes) {
      const k = c.replace(/ at \d\d:\d\d$/, '');
      causes[k] = (causes[k] ?? 0) + 1;
    }
    const at = e.challengedAt;
    let bad = at.length > Math.max(1, Math.ceil((e.last - e.first) / EIGHT_HOURS));
    for (let i = 1; i < at.length; i++) if (at[i]! - at[i - 1]! < EIGHT_HOURS) bad = true;
    if (bad || e.forbidden > 0) over.push(`${e.name}: ${e.causes.join('; ')}`);
  }
  const attacks: Record<string, string> = {};
  for (const a of r.attacks) attacks[a.attack] = `${a.stoppedAt ?? '-'}/${a.firstSensitive}${a.deniedAt !== undefined ? ` d${a.deniedAt}` : ''}`;
  if (process.argv.includes('--why')) for (const a of r.attacks) if (a.stoppedAt !== undefined) attacks[a.attack] += ` (${a.cause})`;
  return { day, seed, warmup, challenges, over, forbidden, ciDenied: r.ci.denied, attacks, causes };
}

const rows: Row[] = [];
for (const [day, build, seeds, opts] of DAYS.filter((d) => dayList.includes(d[0]))) {
  for (const seed of flag('seeds')?.split(',').map(Number) ?? seeds) {
    for (const warmup of modes) {
      const all = build(seed);
      const events = warmup ? all : all.filter((e) => e.scored);
      const env = snapshotDir === undefined ? opts.env : { ...opts.env, STEPGATE_STATE_SNAPSHOT: join(snapshotDir, `state-${replays++}.json`) };
      const s = await exampleService({ transport: 'in-process', ...(opts.site ? { edit: opts.site } : {}), ...(env ? { env } : {}) });
      let report: DayReport;
      try {
        const onAttack = traceAttacks ? traceAttack(day, seed, warmup) : undefined;
        report = await replay(events, s.minter, s.setClock, s.send, { ...opts, runAdmin: s.runAdmin, ...(onAttack ? { onAttack } : {}) });
      } finally {
        await s.close();
      }
      const row = summarise(day, seed, warmup, report);
      rows.push(row);
      const atk = Object.entries(row.attacks).map(([k, v]) => `${k}=${v}`).join(' | ');
      console.log(`day ${day} seed ${seed} ${warmup ? 'warm' : 'cold'}: ${row.challenges} challenges, ${row.over.length} over, ${row.forbidden} 403, CI denied ${row.ciDenied}`);
      for (const o of row.over) console.log(`    over: ${o}`);
      console.log(`    causes: ${Object.entries(row.causes).map(([k, v]) => `${v}× ${k}`).join(', ')}`);
      console.log(`    attacks (stopped/first sensitive): ${atk}`);
    }
  }
}
if (snapshotDir !== undefined) rmSync(snapshotDir, { recursive: true, force: true });
const out = flag('json');
if (out !== undefined) writeFileSync(out, JSON.stringify(rows, null, 1));
