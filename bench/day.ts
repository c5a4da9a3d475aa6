/**
 * The replayed working days of issue 12 as a bench scenario: examples/stepgate.yaml served by the
 * real gRPC server on a virtual clock, once with the risk engine and once with the policy alone,
 * printing the attack and engineer tables docs/risk.md shows, and how long each replay took.
 *
 *   npx tsx bench/day.ts [day1|day2|day3|day4|day5|day6|day7|day8|day9|day10|day11|day12|day13|day14|day15|day16|day17|day18|day19|day20] [seed] [--risk-only] [--no-warmup]
 *
 * The same generators and runner drive test/integration/risk-day*.test.ts (targets in test/support/risk-day-targets.ts); this one goes over loopback gRPC.
 */
import { performance } from 'node:perf_hooks';
import { exampleService } from '../test/support/workday-service.js';
import { replay, reportTables, workday, type DayEvent } from '../test/support/workday.js';
import { workday2 } from '../test/support/workday2.js';
import { workday3 } from '../test/support/workday3.js';
import { D4_IDP_DOWN, workday4 } from '../test/support/workday4.js';
import { workday5 } from '../test/support/workday5.js';
import { workday6 } from '../test/support/workday6.js';
import { workday7 } from '../test/support/workday7.js';
import { workday8 } from '../test/support/workday8.js';
import { workday9 } from '../test/support/workday9.js';
import { workday10 } from '../test/support/workday10.js';
import { workday11 } from '../test/support/workday11.js';
import { workday12 } from '../test/support/workday12.js';
import { workday13 } from '../test/support/workday13.js';
import { workday14 } from '../test/support/workday14.js';
import { workday15 } from '../test/support/workday15.js';
import { workday16 } from '../test/support/workday16.js';
import { workday17 } from '../test/support/workday17.js';
import { workday18 } from '../test/support/workday18.js';
import { workday19 } from '../test/support/workday19.js';
import { workday20 } from '../test/support/workday20.js';

// Each day's generator and the seed it replays unless one is given.
const DAYS: Record<string, [(seed: number) => DayEvent[], number]> = {
  day1: [workday, 12],
  day2: [workday2, 1],
  day3: [workday3, 5],
  day4: [workday4, 21],
  day5: [workday5, 31],
  day6: [workday6, 41],
  day7: [workday7, 51],
  day8: [workday8, 61],
  day9: [workday9, 71],
  day10: [workday10, 81],
  day11: [workday11, 91],
  day12: [workday12, 101],
  day13: [workday13, 111],
  day14: [workday14, 121],
  day15: [workday15, 131],
  day16: [workday16, 141],
  day17: [workday17, 151],
  day18: [workday18, 161],
  day19: [workday19, 171],
  day20: [workday20, 181],
};
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const day = args[0] !== undefined && args[0] in DAYS ? args[0] : 'day1';
const [build, defaultSeed] = DAYS[day]!;
const seed = Number(args[1] ?? defaultSeed);
const all = build(seed);
// --no-warmup: the scored day alone, on a server with no history (as a replay against a freshly
// started stepgate would be).
const events = process.argv.includes('--no-warmup') ? all.filter((e) => e.scored) : all;
// Day 4 has an identity-provider outage: a sign-in asked for then waits until it is back.
const opts = day === 'day4' ? { idpDown: [D4_IDP_DOWN] } : {};
for (const withoutRisk of process.argv.includes('--risk-only') ? [false] : [false, true]) {
  const s = await exampleService({ withoutRisk });
  const t0 = performance.now();
  const report = await replay(events, s.minter, s.setClock, s.send, opts);
  const ms = performance.now() - t0;
  await s.close();
  console.log(`\n## ${day}, ${withoutRisk ? 'policy only (risk.enabled: false)' : 'risk engine on'} — seed ${seed}, ${report.checks} checks in ${(ms / 1000).toFixed(1)} s\n`);
  console.log(reportTables(report));
}
