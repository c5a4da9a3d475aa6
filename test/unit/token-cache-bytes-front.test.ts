import { describe, expect, it } from 'vitest';
import { perEntry } from '../support/token-cache-bytes.js';

/**
 * As token-cache-bytes.test.ts with every token seen twice, so the token cache's front
 * (src/identity/token-front.ts) keeps the text of each, 2,048 at most, and evicts the oldest while
 * the 3,000 are counted: the gauge must count the front's copies and its Maps' tables as the heap
 * holds them. A file of its own: the intern tables are the process's, and the other file's users
 * would be shared here.
 */
describe('stepgate_token_cache_bytes with the token front full', () => {
  it('counts what cached entries and the front retain: within 10 % of the measured heap per entry', async () => {
    const { estimated, measured, cached, fronted } = await perEntry(2);
    expect(cached).toBe(4500);
    expect(fronted).toBe(2048);
    expect(estimated / measured, `gauge ${estimated.toFixed(0)} B per entry, heap ${measured.toFixed(0)} B`).toBeGreaterThan(0.9);
    expect(estimated / measured, `gauge ${estimated.toFixed(0)} B per entry, heap ${measured.toFixed(0)} B`).toBeLessThan(1.1);
  });
});
