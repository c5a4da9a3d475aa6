import { describe, expect, it } from 'vitest';
import { observed } from '../../src/state/redis.js';
import { StateUnavailableError } from '../../src/state/store.js';

/**
 * The Check script's packed reply (redis-scripts.ts observeLua) read back: each number to its
 * field, each string with '%2C' and '%25' turned back into ',' and '%', and anything malformed a
 * StateUnavailableError (the engine then applies on_state_error), never a history with made-up
 * values.
 */

/** The reply as the script writes it (REPLY_FN's `e` for the strings). */
function reply(numbers: (number | string)[], ...strings: string[]): string {
  return [...numbers, ...strings.map((v) => v.replace(/[%,]/g, (c) => (c === ',' ? '%2C' : '%25')))].join(',');
}

const T = 1_764_000_000_000;
/** observe's eighteen numbers, each distinct so a swapped field shows. */
const HISTORY = [1, 0, 1, 0, 2, 7, 3, 1, 4, 1, 5, T + 12, T + 13, T + 14, T + 16, 17, 18, T + 19];
/** work's sixteen numbers. */
const WORK = [1, T + 1, 3, 4, 0, T + 6, T + 7, 1, T + 9, T + 10, 11, T + 12, 1, T + 13, T - 14, 0];

describe('the Check reply', () => {
  it('maps every number and string to its field', () => {
    const r = observed(reply([...HISTORY, ...WORK], 'kubectl,ü', 'pre\r\nfix', 'kubectl@linux chrome@mac', 'são,paulo'), true);
    expect(r.history).toEqual({
      firstSeen: true, ipKnown: false, prefixKnown: true, deviceKnown: false, knownDevices: 2, previousUaFamily: 'kubectl,ü', sessionClients: 'kubectl@linux chrome@mac',
      requests: 7, sensitive: 3, denials: 1, namespaces: 4, clientKnown: true, knownClients: 5,
      prefixSince: T + 12, deviceSince: T + 13, clientSince: T + 14, sessionOrigin: 'pre\r\nfix', sessionStart: T + 16,
      objects: 17, destructive: 18, behaviourSince: T + 19,
    });
    expect(r.work).toEqual({
      namespaceKnown: true, namespaceSince: T + 1, workingSet: 3, pace: 4, siteKnown: false, lastSite: 'são,paulo',
      lastSiteAt: T + 6, siteSince: T + 7, nearbyKnown: true, paceSince: T + 9, nearbyProvenAt: T + 10, entered: 11, familiar: T + 12, familyKnown: true, kindSince: T + 13, historySince: T - 14, clusterKnown: false,
    });
  });

  it('has no work without a working-set side; empty strings and nil strings read as empty', () => {
    const r = observed(reply(HISTORY, '', '', ''), false);
    expect(r.work).toBeUndefined();
    expect(r.history.previousUaFamily).toBe('');
    expect(r.history.sessionClients).toBe('');
    expect(r.history.sessionOrigin).toBe('');
  });

  it("turns '%2C' and '%25' back into ',' and '%', and leaves every other byte as it is", () => {
    for (const v of ['%', ',', '%2C', '%25', '%%,,', '100%,done', '%2', 'a%2Cb', '名前,空間%', 'cr\r\nlf', 'nul\0byte']) {
      const r = observed(reply([...HISTORY, ...WORK], v, v, v, v), true);
      expect([r.history.previousUaFamily, r.history.sessionOrigin, r.history.sessionClients, r.work?.lastSite]).toEqual([v, v, v, v]);
    }
  });

  const malformed: [string, unknown, boolean][] = [
    ['not a string', ['OK'], false],
    ['nil', null, false],
    ['the previous version\'s array reply', [HISTORY.join(','), '', '', ''], false],
    ['the old 20-element reply', [...HISTORY, '', ''], false],
    ['a string without the session clients', reply(HISTORY, '', ''), false],
    ['work missing its last site', reply([...HISTORY, ...WORK], '', '', ''), true],
    ['work expected, none sent', reply(HISTORY, '', '', ''), true],
    ['one string too many', reply(HISTORY, '', '', '', ''), false],
    ["the previous version's work, without clusterKnown", reply([...HISTORY, ...WORK.slice(0, -1)], 'a', 'b', 'c', 'd'), true],
    ["an older version's work, without historySince", reply([...HISTORY, ...WORK.slice(0, -2)], 'a', 'b', 'c', 'd'), true],
    ['an older version\'s work, without kindSince', reply([...HISTORY, ...WORK.slice(0, -3)], 'a', 'b', 'c', 'd'), true],
    ['one number short', reply(HISTORY.slice(1), 'a', 'b', 'c'), false],
    ['one number short, a string of digits after it', reply(HISTORY.slice(1), '7', 'b', 'c'), false],
    ['one number too many', reply([...HISTORY, 1], 'a', 'b', 'c'), false],
    ['an empty number', reply(['', ...HISTORY.slice(1)], 'a', 'b', 'c'), false],
    ['not a number', reply(['x', ...HISTORY.slice(1)], 'a', 'b', 'c'), false],
    ['an infinite number', reply(['inf', ...HISTORY.slice(1)], 'a', 'b', 'c'), false],
    ['a fraction', reply(['1.5', ...HISTORY.slice(1)], 'a', 'b', 'c'), false],
    ['numbers as an integer', 5, false],
    ['an empty string', '', false],
  ];
  for (const [name, reply, withWork] of malformed) {
    it(`fails closed on a malformed reply: ${name}`, () => {
      expect(() => observed(reply, withWork)).toThrow(StateUnavailableError);
    });
  }
});

/**
 * observed() reads the reply in place; this is the same reading done the plain way (split on ',',
 * each number checked by a pattern, each string unescaped token by token), compared over seeded
 * random replies and mutations of them. Whatever the reference refuses must throw
 * StateUnavailableError, and whatever it accepts must come back field for field.
 */
const HISTORY_FIELDS = [
  'firstSeen', 'ipKnown', 'prefixKnown', 'deviceKnown', 'knownDevices', 'requests', 'sensitive', 'denials', 'namespaces', 'clientKnown',
  'knownClients', 'prefixSince', 'deviceSince', 'clientSince', 'sessionStart', 'objects', 'destructive', 'behaviourSince',
] as const;
const HISTORY_STRINGS = ['previousUaFamily', 'sessionOrigin', 'sessionClients'] as const;
const WORK_FIELDS = [
  'namespaceKnown', 'namespaceSince', 'workingSet', 'pace', 'siteKnown', 'lastSiteAt', 'siteSince', 'nearbyKnown', 'paceSince', 'nearbyProvenAt',
  'entered', 'familiar', 'familyKnown', 'kindSince', 'historySince', 'clusterKnown',
] as const;
const FLAGS = new Set(['firstSeen', 'ipKnown', 'prefixKnown', 'deviceKnown', 'clientKnown', 'namespaceKnown', 'siteKnown', 'nearbyKnown', 'familyKnown', 'clusterKnown']);

function unescapeReference(t: string): string {
  let out = '';
  for (let i = 0; i < t.length; ) {
    if (t.startsWith('%2C', i)) {
      out += ',';
      i += 3;
    } else if (t.startsWith('%25', i)) {
      out += '%';
      i += 3;
    } else {
      out += t[i];
      i++;
    }
  }
  return out;
}

/** The reply read the plain way, or 'refused'. */
function reference(reply: unknown, withWork: boolean): unknown {
  if (typeof reply !== 'string') return 'refused';
  const parts = reply.split(',');
  const numberCount = HISTORY_FIELDS.length + (withWork ? WORK_FIELDS.length : 0);
  if (parts.length !== numberCount + (withWork ? 4 : 3)) return 'refused';
  const numbers = parts.slice(0, numberCount);
  if (!numbers.every((p) => /^-?[0-9]{1,15}$/.test(p))) return 'refused';
  const value = (name: string, p: string) => (FLAGS.has(name) ? Number(p) === 1 : Number(p));
  const strings = parts.slice(numberCount).map(unescapeReference);
  const history: Record<string, unknown> = {};
  HISTORY_FIELDS.forEach((f, i) => (history[f] = value(f, numbers[i]!)));
  HISTORY_STRINGS.forEach((f, i) => (history[f] = strings[i]));
  if (!withWork) return { history, work: undefined };
  const work: Record<string, unknown> = { lastSite: strings[3] };
  WORK_FIELDS.forEach((f, i) => (work[f] = value(f, numbers[HISTORY_FIELDS.length + i]!)));
  return { history, work };
}

/** mulberry32: the same replies on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the Check reply against a plain reading of it', () => {
  const random = seeded(37);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  const number = (): string => {
    switch (int(6)) {
      case 0: return '0';
      case 1: return '1';
      case 2: return String(int(100));
      case 3: return String(T + int(1_000_000));
      case 4: return String(-int(1_000_000));
      default: return String(int(10 ** (1 + int(17)))).padStart(1 + int(3), '0');
    }
  };
  const PIECES = ['', 'a', 'kubectl', ',', '%', '%2C', '%25', '%2', 'ü', '名', '\r\n', '\0', '-', '7', ' '];
  const text = () => Array.from({ length: int(4) }, () => pick(PIECES)).join('').replace(/[%,]/g, (c) => (c === ',' ? '%2C' : '%25'));
  const valid = (withWork: boolean) => [
    ...Array.from({ length: HISTORY_FIELDS.length + (withWork ? WORK_FIELDS.length : 0) }, number),
    ...Array.from({ length: withWork ? 4 : 3 }, text),
  ].join(',');
  const NOISE = [',', '-', '.', 'e', '+', ' ', '%', '0', '9', 'x', '\0', ',,', '1e3', 'Infinity'];
  const mutate = (r: string): string => {
    const at = int(r.length + 1);
    switch (int(5)) {
      case 0: return r.slice(0, at) + r.slice(at + 1); // a character dropped
      case 1: return r.slice(0, at) + pick(NOISE) + r.slice(at); // something inserted
      case 2: return r.slice(0, at); // cut short
      case 3: return r + pick(NOISE); // something appended
      default: return r.slice(0, at) + pick(NOISE) + r.slice(at + 1); // a character replaced
    }
  };

  it('agrees on 10,000 seeded replies, a third of them valid, the rest mutated', () => {
    let accepted = 0;
    let refused = 0;
    for (let k = 0; k < 10_000; k++) {
      const built = random() < 0.5;
      let reply = valid(built);
      if (k % 3 !== 0) for (let m = 1 + int(3); m > 0; m--) reply = mutate(reply);
      // Read as sent and as the other shape: a reply with work read without it, and the reverse.
      const withWork = random() < 0.9 ? built : !built;
      const want = reference(reply, withWork);
      if (want === 'refused') {
        refused++;
        expect(() => observed(reply, withWork), JSON.stringify(reply)).toThrow(StateUnavailableError);
      } else {
        accepted++;
        expect(observed(reply, withWork), JSON.stringify(reply)).toEqual(want);
      }
    }
    // Both sides of the comparison were exercised.
    expect(accepted).toBeGreaterThan(2_000);
    expect(refused).toBeGreaterThan(2_000);
  });

  it('refuses a number of more than 15 digits, which it might not read exactly', () => {
    const at = (digits: string) => [digits, ...HISTORY.slice(1), 'a', 'b', 'c'].join(',');
    expect(observed(at('999999999999999'), false).history.firstSeen).toBe(false);
    expect(() => observed(at('9007199254740993'), false)).toThrow(StateUnavailableError);
    expect(() => observed(at('0000000000000001'), false)).toThrow(StateUnavailableError);
  });
});
