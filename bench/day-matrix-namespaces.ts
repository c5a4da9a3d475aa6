/**
 * The namespaces behind the `unfamiliar_namespace` challenges of the engineer-days over issue 12's
 * target in a `bench/day-matrix.ts --json` file (with the warm-up day), read from the days' own
 * events (the generators are deterministic per seed, so nothing is replayed):
 *
 *   npx tsx bench/day-matrix-namespaces.ts [FILE.json] [--days=4,16] [--list] [--candidates]
 *
 * Per challenge: the request at that minute it most likely answered (asked() below), what it does
 * (a shell or tunnel, a Secret read, another read, a write), whether the engineer reached that
 * namespace more than 10 minutes before and only by reads, whether other engineers (routine events,
 * any of the day's logins) reached it before, and on how many hosts. It prints the counts;
 * `--list` every challenge; `--candidates` what each candidate lever would buy and cost (below).
 * FILE defaults to the committed bench/day-matrix.json. Nothing here knows the policy: a request's
 * kind is read from its path, and "reached" is any request, wider than the working set.
 */
import { readFileSync } from 'node:fs';
import type { DayEvent } from '../test/support/workday.js';
import { DAYS } from './day-matrix-days.js';
import type { Row } from './day-matrix-row.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? 'bench/day-matrix.json';
const days = args.find((a) => a.startsWith('--days='))?.slice(7).split(',');
const list = args.includes('--list');
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const nsOf = (path: string) => /\/namespaces\/([a-z0-9-]+)\//.exec(path)?.[1] ?? '';
const read = (e: DayEvent) => e.method === 'GET' || e.method === 'HEAD';
/** What a request does, coarsely: a Secret read, a shell or tunnel, another read, a write. */
const sort = (e: DayEvent) =>
  /\/(exec|attach|portforward|proxy)(\?|$)/.test(e.path) ? 'shell/tunnel' : read(e) && /\/secrets(\/|\?|$)/.test(e.path) ? 'secret read' : read(e) ? 'other read' : 'write';

/**
 * The request a challenge at that minute most likely answered: the example weighs no plain read of
 * pods, events, logs or Deployments (the `kubectl get pods` before an exec is allowed unasked), so
 * the first shell, tunnel, Secret read or write at that minute, else the first request in a
 * namespace the engineer had not reached before, else the minute's first.
 */
function asked(at: DayEvent[], mine: DayEvent[]): DayEvent {
  return at.find((e) => sort(e) !== 'other read') ?? at.find((e) => !mine.some((b) => b.at < e.at && nsOf(b.path) === nsOf(e.path))) ?? at[0]!;
}

const counts = new Map<string, number>();
const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
const rows = (JSON.parse(readFileSync(file, 'utf8')) as Row[]).filter((r) => r.warmup && (days === undefined || days.includes(r.day)));
for (const r of rows) {
  const day = DAYS.find((d) => d[0] === r.day);
  if (day === undefined) continue;
  const events: DayEvent[] = day[1](r.seed);
  const routine = events.filter((e) => e.attack === undefined);
  for (const entry of r.over) {
    const name = entry.slice(0, entry.indexOf(': '));
    const mine = routine.filter((e) => e.actor === name);
    for (const m of entry.matchAll(/\(context: unfamiliar_namespace\) at (\d\d:\d\d)/g)) {
      count('unfamiliar_namespace challenges');
      const at = mine.filter((e) => e.scored && hhmm(e.at) === m[1] && nsOf(e.path) !== '');
      if (at.length === 0) {
        count('  no namespaced request of the engineer at that minute (not read)');
        continue;
      }
      const ev = asked(at, mine);
      const ns = nsOf(ev.path);
      // Earlier than the burst: kubectl's own GET of the pod a second before its exec is no visit.
      const before = mine.filter((e) => e.at < ev.at - 600_000 && nsOf(e.path) === ns);
      const peers = new Set(routine.filter((e) => e.actor !== name && e.at < ev.at && nsOf(e.path) === ns && !e.login.serviceAccount).map((e) => e.actor));
      const hosts = new Set(mine.filter((e) => e.at < ev.at && nsOf(e.path) === ns).map((e) => e.host ?? ''));
      count(before.length === 0 ? '  namespace not reached by the engineer over 10 minutes before' : before.every(read) ? '  reached over 10 minutes before, by reads only' : '  reached over 10 minutes before, by writes too');
      count(peers.size === 0 ? '  no other engineer reached it before' : peers.size === 1 ? '  1 other engineer reached it before' : '  2+ other engineers reached it before');
      count(`  the ask: ${sort(ev)}`);
      const what = `${sort(ev)}: ${ev.method} ${ev.path.replace(/\?.*$/, '').slice(0, 90)}`;
      if (list) console.log(`${r.day}/${r.seed} ${name} ${m[1]} ${what}  engineer before: ${before.length === 0 ? 'never' : `${before.length} (${before.every(read) ? 'reads' : 'writes'})`}  peers before: ${peers.size}${hosts.size > 1 ? ` hosts ${hosts.size}` : ''}`);
    }
  }
}
for (const [k, n] of counts) console.log(`${String(n).padStart(5)}  ${k}`);
if (args.includes('--candidates')) candidates();

/**
 * `--candidates`: per candidate lever, an upper bound on what it buys and what it costs, without a
 * replay. Buys: the warm over-days no longer over (gap rule) once the `unfamiliar_namespace` asks
 * the lever would cover are removed, every other ask kept. Costs: the warm attack cells stopped by
 * `unfamiliar_namespace` whose stopping request the lever would cover (each moves later or is no
 * longer stopped unless another signal fires on it). "Reached" is any request, which is wider than
 * the working set (a namespace joins it only by a sensitive action or a sign-in's grace), so both
 * counts are upper bounds.
 */
function candidates(): void {
  interface Lever {
    name: string;
    covers: (ev: DayEvent, subject: string, groups: string[], events: DayEvent[]) => boolean;
  }
  const groupsOf = (e: DayEvent) => e.login.claims?.groups ?? ['engineers'];
  const peers = (k: number) => (ev: DayEvent, subject: string, groups: string[], events: DayEvent[]) =>
    new Set(events.filter((e) => e.attack === undefined && !e.login.serviceAccount && e.login.sub !== subject && e.at < ev.at && nsOf(e.path) === nsOf(ev.path) && groupsOf(e).some((g) => groups.includes(g))).map((e) => e.login.sub)).size >= k;
  const levers: Lever[] = [
    // Earlier than the burst: kubectl's own GET of the pod a second before its exec proves nothing.
    { name: 'reached by the subject over 10 minutes before', covers: (ev, subject, _g, events) => events.some((e) => e.attack === undefined && e.login.sub === subject && e.at < ev.at - 600_000 && nsOf(e.path) === nsOf(ev.path)) },
    { name: 'reached by the subject over 10 minutes before, the ask a write', covers: (ev, subject, _g, events) => !read(ev) && sort(ev) === 'write' && events.some((e) => e.attack === undefined && e.login.sub === subject && e.at < ev.at - 600_000 && nsOf(e.path) === nsOf(ev.path)) },
    { name: 'reached by >= 1 peer of a shared group', covers: peers(1) },
    { name: 'reached by >= 3 peers of a shared group', covers: peers(3) },
    { name: 'reached by >= 5 peers of a shared group', covers: peers(5) },
    { name: 'reached by >= 1 peer of a shared group, the ask a shell or tunnel', covers: (ev, s, g, events) => sort(ev) === 'shell/tunnel' && peers(1)(ev, s, g, events) },
    { name: 'reached by >= 3 peers of a shared group, the ask a shell or tunnel', covers: (ev, s, g, events) => sort(ev) === 'shell/tunnel' && peers(3)(ev, s, g, events) },
    { name: 'reached by >= 1 peer of a shared group, the ask a read other than a Secret, shell or tunnel', covers: (ev, s, g, events) => sort(ev) === 'other read' && peers(1)(ev, s, g, events) },
    { name: 'reached by >= 3 peers of a shared group, the ask a read other than a Secret, shell or tunnel', covers: (ev, s, g, events) => sort(ev) === 'other read' && peers(3)(ev, s, g, events) },
  ];
  const all = JSON.parse(readFileSync(file, 'utf8')) as Row[];
  const warm = all.filter((r) => r.warmup && (days === undefined || days.includes(r.day)));
  for (const lever of levers) {
    let over = 0;
    let gone = 0;
    let cells = 0;
    let moved = 0;
    const askSorts = new Map<string, number>();
    const cellSorts = new Map<string, number>();
    const goneDays = new Map<string, number>();
    const movedDays = new Map<string, number>();
    for (const r of warm) {
      const day = DAYS.find((d) => d[0] === r.day);
      if (day === undefined) continue;
      const events: DayEvent[] = day[1](r.seed);
      for (const entry of r.over) {
        const name = entry.slice(0, entry.indexOf(': '));
        const mine = events.filter((e) => e.actor === name && e.attack === undefined);
        const asks = entry
          .slice(entry.indexOf(': ') + 2)
          .split('; ')
          .map((part) => {
            const m = /^(.*) at (\d\d):(\d\d)$/.exec(part)!;
            return { cause: m[1]!, hhmm: `${m[2]}:${m[3]}`, minute: Number(m[2]) * 60 + Number(m[3]) };
          });
        let offset = 0;
        for (let i = 1; i < asks.length; i++) {
          if (asks[i]!.minute + offset < asks[i - 1]!.minute) offset += 24 * 60;
          asks[i]!.minute += offset;
        }
        over++;
        const kept = asks.filter((a) => {
          if (a.cause !== 'auth_too_old (context: unfamiliar_namespace)') return true;
          const at = mine.filter((e) => e.scored && hhmm(e.at) === a.hhmm && nsOf(e.path) !== '');
          const ev = at.length === 0 ? undefined : asked(at, mine);
          const covered = ev !== undefined && lever.covers(ev, ev.login.sub, groupsOf(ev), events);
          if (covered) askSorts.set(sort(ev), (askSorts.get(sort(ev)) ?? 0) + 1);
          return !covered;
        });
        let still = false;
        for (let i = 1; i < kept.length; i++) if (kept[i]!.minute - kept[i - 1]!.minute < 8 * 60) still = true;
        if (!still) {
          gone++;
          goneDays.set(r.day, (goneDays.get(r.day) ?? 0) + 1);
        }
      }
      for (const [attack, cell] of Object.entries(r.attacks)) {
        if (!cell.includes('(context: unfamiliar_namespace)')) continue;
        cells++;
        const at = Number(/^(\d+)\//.exec(cell)?.[1]);
        const ev = events.filter((e) => e.attack === attack)[at - 1];
        if (ev === undefined) continue;
        // The subject whose token the attacker holds: the victim's, or the insider's own.
        const subject = ev.tokenOf !== undefined ? (events.find((e) => e.actor === ev.tokenOf)?.login.sub ?? ev.login.sub) : ev.login.sub;
        if (lever.covers(ev, subject, groupsOf(ev), events)) {
          moved++;
          cellSorts.set(sort(ev), (cellSorts.get(sort(ev)) ?? 0) + 1);
          if (list) console.log(`    cell ${r.day}/${r.seed} ${attack}: ${cell} at ${ev.method} ${ev.path.replace(/\?.*$/, '').slice(0, 90)}`);
          movedDays.set(r.day, (movedDays.get(r.day) ?? 0) + 1);
        }
      }
    }
    const fmt = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([d, n]) => `${d}:${n}`).join(' ');
    console.log(`${lever.name}: warm over-days ${over} → ${over - gone} (${fmt(goneDays)}); attack cells stopped by unfamiliar_namespace ${cells}, ${moved} covered (${fmt(movedDays)})`);
    console.log(`    asks covered: ${fmt(askSorts)}; attack stops covered: ${fmt(cellSorts)}`);
  }
}
