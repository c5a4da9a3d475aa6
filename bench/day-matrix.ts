/**
 * Every replayed day and seed of test/integration/risk-day.test.ts, with and without the warm-up
 * day, risk engine on: one JSON line per run with each attack's stopping point and each engineer's
 * challenges, and the engineers over issue 12's friction target (two challenges within 8 hours, or
 * a 403). For comparing a change with its baseline (diff two outputs):
 *
 *   npx tsx bench/day-matrix.ts [--days=1,2,3,4] [--warmup=both|yes|no] > out.jsonl
 */
import { exampleService } from '../test/support/workday-service.js';
import { replay, workday, type DayEvent, type ReplayOptions } from '../test/support/workday.js';
import { workday2 } from '../test/support/workday2.js';
import { workday3 } from '../test/support/workday3.js';
import { D4_IDP_DOWN, workday4 } from '../test/support/workday4.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const days = (arg('days') ?? '1,2,3,4').split(',');
const warm = arg('warmup') ?? 'both';
const modes = warm === 'both' ? [true, false] : [warm === 'yes'];
const plan: [string, (seed: number) => DayEvent[], number[], ReplayOptions][] = [
  ['1', workday, [12, 1, 2, 3, 4], {}],
  ['2', workday2, [12, 1, 2, 3, 4], {}],
  ['3', workday3, [5, 6, 7, 8, 9], {}],
  ['4', workday4, [21, 22, 23, 24, 25], { idpDown: [D4_IDP_DOWN] }],
];
const EIGHT_HOURS = 8 * 3_600_000;

for (const [day, build, seeds, opts] of plan.filter((p) => days.includes(p[0]))) {
  for (const seed of seeds) {
    for (const warmup of modes) {
      const all = build(seed);
      const events = warmup ? all : all.filter((e) => e.scored);
      const s = await exampleService();
      const r = await replay(events, s.minter, s.setClock, s.send, opts);
      await s.close();
      const over = r.engineers.filter((e) => {
        const twice = e.challengedAt.some((t, i) => i > 0 && t - e.challengedAt[i - 1]! < EIGHT_HOURS);
        return twice || e.forbidden > 0;
      });
      console.log(
        JSON.stringify({
          day,
          seed,
          warmup,
          attacks: r.attacks.map((a) => ({ attack: a.attack, first: a.firstSensitive, stopped: a.stoppedAt ?? null, by: `${a.reason} ${a.cause}`.trim() })),
          asked: r.engineers.filter((e) => e.challenges > 0 || e.forbidden > 0).map((e) => ({ name: e.name, n: e.challenges, forbidden: e.forbidden, causes: e.causes })),
          over: over.map((e) => e.name),
          challenges: r.engineers.reduce((n, e) => n + e.challenges, 0),
        }),
      );
    }
  }
}
