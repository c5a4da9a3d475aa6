import { describe, expect, it } from 'vitest';
import { counterKey, subjectKeys, workKeys } from '../../src/state/keys.js';
import { batchGroup } from '../../src/state/redis.js';
import { keySlot } from '../support/redis.js';

/**
 * Which Checks may share a script call (src/state/redis.ts batchGroup). On Redis Cluster a script
 * touches one slot, so Checks are grouped by their counters key's hash tag: one group must never
 * span two slots, whatever the key prefix holds, and a subject's keys are all in its group's slot.
 * Single node and Sentinel: one group.
 */

const SUBJECTS = ['alice@example.com', 'bob@example.com', 'bøb@例え.jp', 'https://idp\n{tag}}', '', '{', '}{'];
/** Configured prefixes have no braces (config/schema/state.ts); the grouping must hold even if one had. */
const PREFIXES = ['stepgate:', '', 'team-a:'];
const ODD_PREFIXES = ['a{b}:', 'x{', '{}:', 'team}{one}:', '{{}}'];

describe('batch groups', () => {
  it('is one group off Cluster', () => {
    for (const p of [...PREFIXES, ...ODD_PREFIXES]) for (const s of SUBJECTS) expect(batchGroup(counterKey(p, s), false)).toBe('');
  });

  it('on Cluster: keys of one group hash to one slot, and every key of a subject to its group\'s', () => {
    const slotOf = new Map<string, number>();
    for (const p of [...PREFIXES, ...ODD_PREFIXES]) {
      for (const s of [...SUBJECTS, ...Array.from({ length: 200 }, (_, i) => `user${i}@example.com`)]) {
        const c = counterKey(p, s);
        const g = batchGroup(c, true);
        const slot = keySlot(c);
        if (slotOf.has(g)) expect(slotOf.get(g), `${JSON.stringify(p)} ${JSON.stringify(s)}`).toBe(slot);
        slotOf.set(g, slot);
        if (!PREFIXES.includes(p)) continue;
        const k = subjectKeys(p, s, 'sid-1');
        for (const key of [...Object.values(k), ...Object.values(workKeys(p, s))]) expect(keySlot(key)).toBe(slot);
      }
    }
  });

  it('follows Redis\'s hash tag rule: the first {…} that is not empty, else the whole key', () => {
    expect(batchGroup('p:{abc}:c', true)).toBe('abc');
    expect(batchGroup('p:{abc}{def}:c', true)).toBe('abc');
    expect(batchGroup('p:{}{abc}:c', true)).toBe('p:{}{abc}:c');
    expect(batchGroup('p:{abc:c', true)).toBe('p:{abc:c');
    expect(batchGroup('p:}{abc}:c', true)).toBe('abc');
    expect(batchGroup('plain', true)).toBe('plain');
  });

  it('different subjects under the default prefix are different groups (never one call across slots)', () => {
    const groups = new Set(['alice', 'bob', 'carol', 'dave'].map((s) => batchGroup(counterKey('stepgate:', s), true)));
    expect(groups.size).toBe(4);
  });
});
