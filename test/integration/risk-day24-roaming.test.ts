import { describe, expect, it } from 'vitest';
import { exampleService } from '../support/workday-service.js';
import { replay, type DayReport } from '../support/workday.js';
import { FLEET, STORE_WIFI, workday24 } from '../support/workday24.js';

/**
 * Day 24 (docs/risk.md "Roaming sites") with the chain's store lines named as one site: the
 * example as shipped plus `risk.locations` entry `stores` (each store's own broadband /24, the
 * fleet and store 1001, where the attack carries the technician's session). With
 * `roam_after_seconds` the four field technicians are asked no `new_network` at their next store,
 * and the session carried to another store's iPad while its owner still works is stopped at its
 * first request as before; with the stores listed for travel alone, every move still asks.
 */

const CARRIED = "a store technician's Rancher session carried to another iPad in another store";
const SINGAPORE = '    - { name: singapore, cidrs: [10.60.0.0/16], lat: 1.29, lon: 103.85 }\n';
const lines = [...new Set([...FLEET, 1001].map((n) => STORE_WIFI(n).replace(/\.\d+$/, '.0/24')))].join(', ');
const withStores = (roam: string) => (yaml: string) => {
  if (!yaml.includes(SINGAPORE)) throw new Error('the example no longer names singapore as its last location');
  return yaml.replace(SINGAPORE, `${SINGAPORE}    - { name: stores, cidrs: [${lines}], lat: 52.5, lon: -1.5${roam} }\n`);
};

async function day24(edit: (yaml: string) => string, warm: boolean): Promise<DayReport> {
  const all = workday24(221);
  const s = await exampleService({ transport: 'in-process', edit });
  try {
    return await replay(warm ? all : all.filter((e) => e.scored), s.minter, s.setClock, s.send, {});
  } finally {
    await s.close();
  }
}

const techNetworks = (r: DayReport) =>
  r.engineers.filter((e) => e.name.startsWith('d24-tech-')).map((e) => e.causes.filter((c) => c.includes('new_network')).length);

describe('day 24, seed 221, with the stores named as one roaming site', () => {
  for (const warm of [true, false]) {
    it(`${warm ? 'with' : 'without'} the warm-up day: no technician is asked for a store's line; the carried session is stopped at request 1`, async () => {
      const r = await day24(withStores(', roam_after_seconds: 1200'), warm);
      expect(techNetworks(r)).toEqual([0, 0, 0, 0]);
      const carried = r.attacks.find((a) => a.attack === CARRIED);
      expect(carried?.stoppedAt).toBe(1);
      expect(carried?.cause).toBe('context: new_network');
      expect(r.engineers.reduce((n, e) => n + e.forbidden, 0)).toBe(0);
    }, 120_000);
  }

  it('listed for travel alone (no roam_after_seconds), every technician is still asked at each new store', async () => {
    const r = await day24(withStores(''), true);
    expect(Math.min(...techNetworks(r))).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
