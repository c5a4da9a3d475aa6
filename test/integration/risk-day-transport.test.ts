import { beforeAll, describe, expect, it } from 'vitest';
import { exampleService } from '../support/workday-service.js';
import { replay, workday, type DayReport } from '../support/workday.js';
import { workday20 } from '../support/workday20.js';

/**
 * The replayed days run through the server's Check handler without HTTP/2 (in-process-check.ts).
 * That is only a faithful stand-in if a whole day gives the same report both ways: every
 * engineer's challenges, causes and times, every attack's stopping point and reason, CI and the
 * controllers. Day 1 (with its warm-up day) and day 20 (a fresh server; mirrord, bodies, several
 * clients) are replayed over the real gRPC client on loopback and in process.
 */
describe.each([
  ['day 1, seed 12, with its warm-up day', () => workday(12)],
  ['day 20, seed 181, on a fresh server', () => workday20(181).filter((e) => e.scored)],
])('%s: the real gRPC client and the in-process Check give the same report', (_name, build) => {
  const reports: Partial<Record<'grpc' | 'in-process', DayReport>> = {};
  beforeAll(async () => {
    const events = build();
    for (const transport of ['grpc', 'in-process'] as const) {
      const s = await exampleService({ transport });
      try {
        reports[transport] = await replay(events, s.minter, s.setClock, s.send);
      } finally {
        await s.close();
      }
    }
  }, 600_000);

  it('identical outcome for every engineer, attack, CI run and controller', () => {
    const grpc = reports.grpc!;
    expect(grpc.engineers.length).toBeGreaterThan(10);
    expect(grpc.attacks.length).toBeGreaterThan(3);
    expect(reports['in-process']).toEqual(grpc);
  });
});
