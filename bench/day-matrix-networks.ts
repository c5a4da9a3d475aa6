/**
 * The networks behind the `new_network` challenges of the engineer-days over issue 12's target in
 * a `bench/day-matrix.ts --json` file (with the warm-up day), read from the days' own events (the
 * generators are deterministic per seed, so nothing is replayed):
 *
 *   npx tsx bench/day-matrix-networks.ts [FILE.json] [--days=5,18] [--list]
 *
 * Per challenge: the address of the engineer's request at that minute, how the device is bound
 * (`certificate` when the gateway verified one, else `user agent`: the replays' browsers get their
 * device cookie from stepgate, so a request's own headers never carry one), how long the engineer
 * had been idle, and whether an address the engineer used before (that day or the warm-up day) is
 * in the same /24 (IPv4; /64 for IPv6) or the same /16 (/48). It prints the counts; `--list` every
 * challenge. FILE defaults to the committed bench/day-matrix.json.
 */
import { readFileSync } from 'node:fs';
import type { DayEvent } from '../test/support/workday.js';
import { DAYS } from './day-matrix-days.js';
import type { Row } from './day-matrix-row.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? 'bench/day-matrix.json';
const days = args.find((a) => a.startsWith('--days='))?.slice(7).split(',');
const list = args.includes('--list');

/** The /24 (/64) and /16 (/48) an address is in, as text: enough to compare two addresses. */
const narrow = (ip: string) => (ip.includes(':') ? ip.split(':').slice(0, 4).join(':') : ip.split('.').slice(0, 3).join('.'));
const wide = (ip: string) => (ip.includes(':') ? ip.split(':').slice(0, 3).join(':') : ip.split('.').slice(0, 2).join('.'));
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

const counts = new Map<string, number>();
const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
const idle: number[] = [];
const rows = (JSON.parse(readFileSync(file, 'utf8')) as Row[]).filter((r) => r.warmup && (days === undefined || days.includes(r.day)));
for (const r of rows) {
  const day = DAYS.find((d) => d[0] === r.day);
  if (day === undefined) continue;
  const events: DayEvent[] = day[1](r.seed);
  for (const entry of r.over) {
    const name = entry.slice(0, entry.indexOf(': '));
    const mine = events.filter((e) => e.actor === name && e.attack === undefined);
    for (const m of entry.matchAll(/\(context: new_network\) at (\d\d:\d\d)/g)) {
      count('new_network challenges');
      // The first scored request of the engineer's at that minute: the one the challenge answered.
      const ev = mine.find((e) => e.scored && hhmm(e.at) === m[1]);
      if (ev === undefined) {
        count('  no request of the engineer at that minute (not read)');
        continue;
      }
      const before = mine.filter((e) => e.at < ev.at);
      const near = before.some((e) => narrow(e.ip) === narrow(ev.ip));
      const far = before.some((e) => wide(e.ip) === wide(ev.ip));
      const bound = ev.principal !== undefined ? 'certificate' : 'user agent';
      count(`  device bound by ${bound}`);
      count(near ? '  in a /24 (/64) the engineer used before' : far ? '  in a /16 (/48) the engineer used before, not its /24 (/64)' : '  in a /16 (/48) the engineer never used');
      const last = before.at(-1);
      if (last !== undefined) idle.push((ev.at - last.at) / 60_000);
      if (list) console.log(`${r.day}/${r.seed} ${name} ${m[1]} ${ev.ip} ${bound} idle ${last === undefined ? '-' : Math.round((ev.at - last.at) / 60_000)} min${near ? ' same /24' : far ? ' same /16' : ''}`);
    }
  }
}
for (const [k, n] of counts) console.log(`${String(n).padStart(5)}  ${k}`);
const bands = [5, 20, 45, 120, Infinity];
let lower = 0;
for (const b of bands) {
  console.log(`${String(idle.filter((x) => x >= lower && x < b).length).padStart(5)}  after ${lower}–${b === Infinity ? '' : b} min idle`);
  lower = b;
}
