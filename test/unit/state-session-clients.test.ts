import { describe, expect, it } from 'vitest';
import { clientToken, SESSION_CLIENTS, sessionClientsRead, sessionClientsWith } from '../../src/state/session-clients.js';
import type { Observation } from '../../src/state/store.js';

/**
 * A session's client list (both stores keep it this way; the Redis script's Lua twin is held to
 * the same answers by test/integration/state-conformance.test.ts and state-redis-check.test.ts).
 */
const obs = (uaFamily: string, platform?: string): Observation => ({ subject: 's', session: 'x', nowMs: 0, ip: '', ipPrefix: '', device: '', uaFamily, namespace: '', sensitive: false, platform });

describe('session clients', () => {
  it('a token is the family and its platform, or the family alone', () => {
    expect(clientToken(obs('kubectl', 'linux'))).toBe('kubectl@linux');
    expect(clientToken(obs('argocd'))).toBe('argocd');
    expect(clientToken(obs('argocd', ''))).toBe('argocd');
    expect(clientToken(obs('', 'linux'))).toBe('');
  });

  it('moves the token to the front, keeps at most six, and leaves the list alone for none', () => {
    expect(sessionClientsWith('', 'kubectl@linux')).toBe('kubectl@linux');
    expect(sessionClientsWith('chrome@mac kubectl@linux', 'kubectl@linux')).toBe('kubectl@linux chrome@mac');
    expect(sessionClientsWith('kubectl@linux chrome@mac', 'kubectl@linux')).toBe('kubectl@linux chrome@mac');
    // A token that is a prefix of the first entry is another entry.
    expect(sessionClientsWith('kubectl@linux', 'kubectl')).toBe('kubectl kubectl@linux');
    expect(sessionClientsWith('a b', '')).toBe('a b');
    const full = ['a', 'b', 'c', 'd', 'e', 'f'].join(' ');
    expect(sessionClientsWith(full, 'g')).toBe('g a b c d e');
    expect(sessionClientsWith(full, 'g').split(' ')).toHaveLength(SESSION_CLIENTS);
  });

  it("reads a record of the previous version (the last family alone) or one it wrote last with that family in front", () => {
    // Written before the list existed: no list, the last family.
    expect(sessionClientsRead('', 'kubectl')).toBe('kubectl');
    // The family already leads the list: as it is.
    expect(sessionClientsRead('kubectl@linux chrome@mac', 'kubectl')).toBe('kubectl@linux chrome@mac');
    // An older replica saw chrome last: its family goes in front (its platform is not known).
    expect(sessionClientsRead('kubectl@linux chrome@mac', 'chrome')).toBe('chrome kubectl@linux chrome@mac');
    // A family that only begins like the first entry's does not lead it.
    expect(sessionClientsRead('kubectl@linux', 'kube')).toBe('kube kubectl@linux');
    expect(sessionClientsRead('anything', '')).toBe('anything');
  });
});
