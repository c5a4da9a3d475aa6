import { describe, expect, it } from 'vitest';
import { observed } from '../../src/state/redis.js';
import { StateUnavailableError } from '../../src/state/store.js';

/**
 * The Check script's packed reply (redis-scripts.ts observeLua) read back: each number to its
 * field, the strings as they are, and anything malformed a StateUnavailableError (the engine then
 * applies on_state_error), never a history with made-up values.
 */

const T = 1_764_000_000_000;
/** observe's eighteen numbers, each distinct so a swapped field shows. */
const HISTORY = [1, 0, 1, 0, 2, 7, 3, 1, 4, 1, 5, T + 12, T + 13, T + 14, T + 16, 17, 18, T + 19];
/** work's thirteen numbers. */
const WORK = [1, T + 1, 3, 4, 0, T + 6, T + 7, 1, T + 9, T + 10, 11, T + 12, 1, T + 13, T - 14];

describe('the Check reply', () => {
  it('maps every number and string to its field', () => {
    const r = observed([[...HISTORY, ...WORK].join(','), 'kubectl,ü', 'pre\r\nfix', 'kubectl@linux chrome@mac', 'são,paulo'], true);
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
    const r = observed([HISTORY.join(','), '', null, null], false);
    expect(r.work).toBeUndefined();
    expect(r.history.previousUaFamily).toBe('');
    expect(r.history.sessionClients).toBe('');
    expect(r.history.sessionOrigin).toBe('');
  });

  const malformed: [string, unknown, boolean][] = [
    ['not an array', 'OK', false],
    ['nil', null, false],
    ['the old 20-element reply', [...HISTORY, '', ''], false],
    ["the previous version's reply, without the session clients", [HISTORY.join(','), '', ''], false],
    ['work missing its last site', [[...HISTORY, ...WORK].join(','), '', '', ''], true],
    ['work expected, none sent', [HISTORY.join(','), '', '', ''], true],
    ["the previous version's work, without familyKnown", [[...HISTORY, ...WORK.slice(0, -1)].join(','), '', '', '', ''], true],
    ["an older version's work, without familiar", [[...HISTORY, ...WORK.slice(0, -2)].join(','), '', '', '', ''], true],
    ['an older version\'s work, without entered', [[...HISTORY, ...WORK.slice(0, -3)].join(','), '', '', '', ''], true],
    ['one number short', [HISTORY.slice(1).join(','), '', '', ''], false],
    ['one number too many', [[...HISTORY, 1].join(','), '', '', ''], false],
    ['an empty number', [['', ...HISTORY.slice(1)].join(','), '', '', ''], false],
    ['not a number', [['x', ...HISTORY.slice(1)].join(','), '', '', ''], false],
    ['an infinite number', [['inf', ...HISTORY.slice(1)].join(','), '', '', ''], false],
    ['numbers as an integer', [5, '', '', ''], false],
  ];
  for (const [name, reply, withWork] of malformed) {
    it(`fails closed on a malformed reply: ${name}`, () => {
      expect(() => observed(reply, withWork)).toThrow(StateUnavailableError);
    });
  }
});
