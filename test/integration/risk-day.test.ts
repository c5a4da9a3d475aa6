import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleService } from '../support/workday-service.js';
import { replay, reportTables, workday, type DayReport } from '../support/workday.js';

/**
 * Issue 12's targets on a replayed working day, through the real gRPC server running
 * examples/stepgate.yaml on a virtual clock: every attack stopped before its first sensitive
 * action succeeds (where the attack can be told apart from the engineer at all; see the two
 * malware-from-the-laptop rows in docs/risk.md), at most one challenge per engineer per day on
 * routine work, and no 403 on routine work.
 */

let report: DayReport;
let policyOnly: DayReport;

beforeAll(async () => {
  const events = workday();
  for (const [withoutRisk, set] of [[false, (r: DayReport) => (report = r)], [true, (r: DayReport) => (policyOnly = r)]] as const) {
    const s = await exampleService({ withoutRisk });
    try {
      set(await replay(events, s.minter, s.setClock, s.send));
    } finally {
      await s.close();
    }
  }
  if (process.env.STEPGATE_DAY_REPORT) console.log(`${reportTables(report)}\n\npolicy only:\n${reportTables(policyOnly)}`);
}, 300_000);

afterAll(() => undefined);

describe('a replayed working day with examples/stepgate.yaml', () => {
  it('routine work: at most one challenge per engineer, no 403, nothing left unresolved', () => {
    expect(report.engineers).toHaveLength(20);
    for (const e of report.engineers) {
      expect(e.challenges, `${e.name}: ${e.causes.join('; ')}`).toBeLessThanOrEqual(1);
      expect(e.forbidden, `${e.name}: ${e.causes.join('; ')}`).toBe(0);
      expect(e.unresolved, e.name).toBe(0);
    }
    expect(report.ci.denied).toBe(0);
  });

  it('every attack that does not ride the victim’s own laptop and client is stopped at its first request', () => {
    const byName = new Map(report.attacks.map((a) => [a.attack, a]));
    for (const a of report.attacks) {
      expect(a.stoppedAt, a.attack).toBeDefined();
      if (a.attack === 'malware enumerating Secrets (via kubectl)' || a.attack === 'exec fan-out' || a.attack === 'insider mass delete') continue;
      expect(a.stoppedAt, `${a.attack}: ${a.reason} ${a.cause}`).toBeLessThanOrEqual(a.firstSensitive);
    }
    // Indistinguishable from the engineer for the first few requests: stopped by behaviour.
    expect(byName.get('malware enumerating Secrets (via kubectl)')!.stoppedAt).toBeLessThanOrEqual(7);
    expect(byName.get('exec fan-out')!.stoppedAt).toBeLessThanOrEqual(7);
    expect(byName.get('insider mass delete')!.stoppedAt).toBeLessThanOrEqual(13);
  });

  it('the risk engine is what stops them: the policy alone lets most through', () => {
    const stoppedEarly = (r: DayReport) => r.attacks.filter((a) => a.stoppedAt !== undefined && a.stoppedAt <= a.firstSensitive).length;
    expect(stoppedEarly(report)).toBeGreaterThan(stoppedEarly(policyOnly));
  });
});
