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
/** work's thirteen numbers. */
const WORK = [1, T + 1, 3, 4, 0, T + 6, T + 7, 1, T + 9, T + 10, 11, T + 12, 1, T + 13, T - 14];

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
      lastSiteAt: T + 6, siteSince: T + 7, nearbyKnown: true, paceSince: T + 9, nearbyProvenAt: T + 10, entered: 11, familiar: T + 12, familyKnown: true, kindSince: T + 13, historySince: T - 14,
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
    ["the previous version's work, without familyKnown", reply([...HISTORY, ...WORK.slice(0, -1)], 'a', 'b', 'c', 'd'), true],
    ["an older version's work, without familiar", reply([...HISTORY, ...WORK.slice(0, -2)], 'a', 'b', 'c', 'd'), true],
    ['an older version\'s work, without entered', reply([...HISTORY, ...WORK.slice(0, -3)], 'a', 'b', 'c', 'd'), true],
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
