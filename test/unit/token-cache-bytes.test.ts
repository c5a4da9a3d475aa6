import { describe, expect, it } from 'vitest';
import { perEntry } from '../support/token-cache-bytes.js';

/** The gauge against the measured heap, every token seen once (test/support/token-cache-bytes.ts). */
describe('stepgate_token_cache_bytes', () => {
  it('counts what cached entries retain: within 10 % of the measured heap per entry', async () => {
    const { estimated, measured, cached } = await perEntry(1);
    expect(cached).toBe(4500);
    expect(estimated / measured, `gauge ${estimated.toFixed(0)} B per entry, heap ${measured.toFixed(0)} B`).toBeGreaterThan(0.9);
    expect(estimated / measured, `gauge ${estimated.toFixed(0)} B per entry, heap ${measured.toFixed(0)} B`).toBeLessThan(1.1);
  });
});
