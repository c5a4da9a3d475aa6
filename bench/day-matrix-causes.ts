/**
 * Takes the engineer-days over issue 12's target in a `bench/day-matrix.ts --json` file apart by
 * cause (the over list names each challenge's cause and time, with or without `--why`):
 *
 *   npx tsx bench/day-matrix-causes.ts [FILE.json] [--warm|--cold] [--days=4,5,18] [--pairs=N]
 *
 * FILE defaults to the committed bench/day-matrix.json. Per mode and cause it prints how many
 * over-days would no longer be over if
 *   - `without`: no challenge of that cause were asked (what a lever that answers the cause
 *     outright would buy), and
 *   - `repeat`: only its first challenge of the engineer's day were asked (what a lever that
 *     carries one answer of the cause to the rest of the day would buy),
 * with the days that hold them, then the pairs of causes that first put an engineer-day over
 * (the earlier challenge → the one less than 8 hours after it).
 *
 * It recomputes "over" by the gap rule only (two challenges less than 8 hours apart): the other
 * half of day-matrix.ts' rule (more challenges than the engineer's day's length allows) needs the
 * first and last request, which the row does not keep, so a day left with challenges exactly 8
 * hours apart counts as no longer over. Over-days with a routine 403 are counted as kept whatever
 * is removed (`403` below). Times are the replay's HH:MM; an earlier time than the one before it
 * is read as the next day (night shifts).
 */
import { readFileSync } from 'node:fs';
import type { Row } from './day-matrix-row.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const file = args.find((a) => !a.startsWith('--')) ?? 'bench/day-matrix.json';
const days = flag('days')?.split(',');
const modes = args.includes('--warm') ? [true] : args.includes('--cold') ? [false] : [true, false];
const pairLimit = Number(flag('pairs') ?? 20);
const EIGHT_HOURS = 8 * 60;

interface Ask {
  cause: string;
  minute: number;
}

/** "name: cause at 08:06; cause at 13:32" → the asks in order, minutes from the day's midnight. */
export function parseOver(entry: string): { name: string; asks: Ask[] } | undefined {
  const colon = entry.indexOf(': ');
  if (colon < 0) return undefined;
  const asks: Ask[] = [];
  let previous = -1;
  let dayOffset = 0;
  for (const part of entry.slice(colon + 2).split('; ')) {
    const m = /^(.*) at (\d\d):(\d\d)$/.exec(part);
    if (m === null) return undefined;
    let minute = Number(m[2]) * 60 + Number(m[3]) + dayOffset;
    if (minute < previous) {
      dayOffset += 24 * 60;
      minute += 24 * 60;
    }
    previous = minute;
    asks.push({ cause: m[1]!, minute });
  }
  return { name: entry.slice(0, colon), asks };
}

/** The first pair of asks less than 8 hours apart, or undefined when none is. */
const firstClose = (asks: readonly Ask[]) => {
  for (let i = 1; i < asks.length; i++) if (asks[i]!.minute - asks[i - 1]!.minute < EIGHT_HOURS) return [asks[i - 1]!, asks[i]!] as const;
  return undefined;
};

const withoutRepeats = (asks: readonly Ask[], cause: string) => asks.filter((a, i) => a.cause !== cause || asks.findIndex((b) => b.cause === cause) === i);

const rows = (JSON.parse(readFileSync(file, 'utf8')) as Row[]).filter((r) => days === undefined || days.includes(r.day));
for (const warm of modes) {
  let total = 0;
  let forbidden = 0;
  let unreadable = 0;
  let notByGap = 0;
  const without = new Map<string, Map<string, number>>();
  const repeat = new Map<string, Map<string, number>>();
  const pairs = new Map<string, number>();
  const bump = (m: Map<string, Map<string, number>>, cause: string, day: string) => {
    const perDay = m.get(cause) ?? new Map<string, number>();
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
    m.set(cause, perDay);
  };
  for (const r of rows.filter((x) => x.warmup === warm)) {
    for (const entry of r.over) {
      total++;
      const parsed = parseOver(entry);
      if (parsed === undefined) {
        unreadable++;
        continue;
      }
      // A routine 403 puts the day over whatever was asked: nothing removed here takes it off.
      if (r.forbidden > 0 && firstClose(parsed.asks) === undefined) {
        forbidden++;
        continue;
      }
      const close = firstClose(parsed.asks);
      if (close === undefined) {
        notByGap++;
        continue;
      }
      pairs.set(`${close[0].cause} → ${close[1].cause}`, (pairs.get(`${close[0].cause} → ${close[1].cause}`) ?? 0) + 1);
      for (const cause of new Set(parsed.asks.map((a) => a.cause))) {
        if (firstClose(parsed.asks.filter((a) => a.cause !== cause)) === undefined) bump(without, cause, r.day);
        if (firstClose(withoutRepeats(parsed.asks, cause)) === undefined) bump(repeat, cause, r.day);
      }
    }
  }
  const sum = (m: Map<string, number> | undefined) => [...(m?.values() ?? [])].reduce((a, b) => a + b, 0);
  const dayList = (m: Map<string, number> | undefined) =>
    [...(m?.entries() ?? [])]
      .sort((a, b) => b[1] - a[1])
      .map(([d, n]) => `${d}:${n}`)
      .join(' ');
  console.log(`${warm ? 'warm' : 'cold'}: ${total} engineer-days over${unreadable > 0 ? `, ${unreadable} unreadable` : ''}${forbidden > 0 ? `, ${forbidden} over by a 403 alone` : ''}${notByGap > 0 ? `, ${notByGap} over by the day's length alone` : ''}`);
  console.log('  over-days no longer over  without | repeat  cause  (days → over-days gone without it)');
  const causes = [...new Set([...without.keys(), ...repeat.keys()])].sort((a, b) => sum(without.get(b)) - sum(without.get(a)) || sum(repeat.get(b)) - sum(repeat.get(a)));
  for (const c of causes) console.log(`  ${String(sum(without.get(c))).padStart(32)} | ${String(sum(repeat.get(c))).padStart(6)}  ${c}  (${dayList(without.get(c))})`);
  console.log('  first pair less than 8 hours apart (earlier → later):');
  for (const [p, n] of [...pairs.entries()].sort((a, b) => b[1] - a[1]).slice(0, pairLimit)) console.log(`  ${String(n).padStart(5)}  ${p}`);
}
