import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../src/core/identity.js';
import { ConsoleSessions, type ConsoleSessionOptions } from '../../src/pipeline/console-sessions.js';
import { consoleSessionValues } from '../../src/request/credentials.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { StateUnavailableError, type ConsoleSessionStore } from '../../src/state/store.js';
import { TEST_LIMITS } from '../support/state-config.js';

const T = 1_764_000_000_000;
const who = (subject: string, historyOf?: { issuer: string; subject: string }): Identity =>
  ({ subject, issuer: 'https://idp.test', groups: [], acr: undefined, amr: [], authTime: undefined, expiresAt: Infinity, level: 0, levelName: 'aal1', session: '', upstreamHeaders: [], historyOf }) as unknown as Identity;
const ALICE = who('alice');
const MALLORY = who('mallory');
const COOKIE = 'csrf-token=x; openshift-session-token=MTcwAAAA';

/** A store that counts its calls and fails as a Redis store that cannot be reached does. */
function down(): ConsoleSessionStore & { calls: number } {
  return {
    calls: 0,
    bind() {
      this.calls++;
      return Promise.reject(new StateUnavailableError('redis console_sessions.bind: not connected (reconnecting)'));
    },
  };
}

function sessions(o: Partial<ConsoleSessionOptions>): ConsoleSessions {
  const memory = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
  return new ConsoleSessions({ store: memory.consoleSessions, fallback: memory.consoleSessions, onStateError: 'fail_closed', ttlMs: 86_400_000, ...o });
}

describe('consoleSessionValues', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['stepgate_session=abc; csrf-token=x', []],
    ['openshift-session-token=a; openshift-refresh-token=b', ['a', 'b']],
    ['OpenShift-Session-Token=a', ['a']],
    ['openshift-session-token=; openshift-refresh-token=""', []],
    ['openshift-session-token=a; openshift-session-token=a', ['a']],
    ['openshift-session-token-2=c', ['c']],
    // As the console reads them: Go drops one pair of quotes; securecookie's base64 ignores the last character's unused bits.
    ['openshift-session-token="sha256~abc"', ['sha256~abc']],
    ['openshift-session-token=MTcwAQ==; openshift-refresh-token="MTcwAR=="', ['base64:MTcwAQ']],
    // Two Cookie headers as Envoy's headers map joins them (','): the console reads both lines.
    ['stepgate_session=s; x=1,openshift-session-token=sha256~v', ['sha256~v']],
  ])('%s → %j', (cookie, values) => {
    expect(consoleSessionValues(cookie)).toEqual(values);
  });
});

describe('ConsoleSessions', () => {
  it('a request without a console cookie asks the store nothing', () => {
    const store = down();
    const s = sessions({ store });
    expect(s.check('stepgate_session=abc', ALICE, T)).toBeUndefined();
    expect(s.check(undefined, ALICE, T)).toBeUndefined();
    expect(store.calls).toBe(0);
  });

  it('the first identity keeps the cookie; another is credential_ambiguous; on the memory store, synchronously', () => {
    const s = sessions({});
    expect(s.check(COOKIE, ALICE, T)).toBeUndefined();
    expect(s.check(COOKIE, MALLORY, T + 1)).toMatchObject({ reason: 'credential_ambiguous' });
    expect(s.check(COOKIE, ALICE, T + 2)).toBeUndefined();
    // Either of two cookies bound to another is enough.
    expect(s.check(`openshift-session-token=fresh; openshift-refresh-token=MTcwAAAA`, MALLORY, T + 3)).toMatchObject({ reason: 'credential_ambiguous' });
  });

  it("another spelling of the same cookie (quoted; base64's unused bits) is the same session to the console, so it is bound too", () => {
    const s = sessions({});
    expect(s.check('openshift-session-token=MTcwAQ==', ALICE, T)).toBeUndefined();
    expect(s.check('openshift-session-token="MTcwAQ=="', MALLORY, T + 1)).toMatchObject({ reason: 'credential_ambiguous' });
    expect(s.check('openshift-session-token=MTcwAR==', MALLORY, T + 2)).toMatchObject({ reason: 'credential_ambiguous' });
    expect(s.check('openshift-session-token=MTcwAQ', MALLORY, T + 3)).toBeUndefined();
  });

  it("a migrated issuer's identity owns what the identity it carries the history of owns", () => {
    const s = sessions({});
    expect(s.check(COOKIE, ALICE, T)).toBeUndefined();
    expect(s.check(COOKIE, { ...who('a-new-id', { issuer: 'https://idp.test', subject: 'alice' }), issuer: 'https://new-idp.test' }, T + 1)).toBeUndefined();
  });

  it('the binding ends with the console session: console_session_seconds after it was made', () => {
    const s = sessions({ ttlMs: 60_000 });
    expect(s.check(COOKIE, ALICE, T)).toBeUndefined();
    expect(s.check(COOKIE, MALLORY, T + 59_999)).toBeDefined();
    expect(s.check(COOKIE, MALLORY, T + 60_000)).toBeUndefined();
  });

  it('the shared store down with on_state_error fail_closed: state_unavailable, reported', async () => {
    const errors: unknown[] = [];
    const s = sessions({ store: down(), onStoreError: (e) => errors.push(e) });
    await expect(s.check(COOKIE, ALICE, T)).resolves.toMatchObject({ reason: 'state_unavailable' });
    expect(errors).toHaveLength(1);
  });

  it('the shared store down with degrade: bound in local memory meanwhile (the first identity still keeps it)', async () => {
    const s = sessions({ store: down(), onStateError: 'degrade' });
    await expect(s.check(COOKIE, ALICE, T)).resolves.toBeUndefined();
    await expect(s.check(COOKIE, MALLORY, T + 1)).resolves.toMatchObject({ reason: 'credential_ambiguous' });
  });

  it('no store keeps bindings (a test double without them): every console request refuses', () => {
    const s = sessions({ store: undefined, fallback: undefined });
    expect(s.check(COOKIE, ALICE, T)).toMatchObject({ reason: 'state_unavailable' });
    expect(s.check('csrf-token=x', ALICE, T)).toBeUndefined();
  });

  it('a store that throws instead of rejecting fails as one that rejects', () => {
    const s = sessions({
      store: {
        bind() {
          throw new StateUnavailableError('boom');
        },
      },
    });
    expect(s.check(COOKIE, ALICE, T)).toMatchObject({ reason: 'state_unavailable' });
  });
});

// redteam44a: on one replica with the memory store, a restart must not free a victim's console
// cookie for whoever presents it first afterwards (the binding is in the snapshot).
describe('ConsoleSessions across a restart of the memory store (state.memory.snapshot_path)', () => {
  it("the victim's binding survives: the thief presenting the cookie first after the restart is credential_ambiguous", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-console-'));
    try {
      const path = join(dir, 'state.json');
      const open = () => {
        const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100, snapshotPath: path });
        return { store, s: new ConsoleSessions({ store: store.consoleSessions, fallback: store.consoleSessions, onStateError: 'fail_closed', ttlMs: 86_400_000 }) };
      };
      const before = open();
      expect(before.s.check(COOKIE, ALICE, T)).toBeUndefined();
      await before.store.close();
      const after = open();
      expect(after.s.check(COOKIE, MALLORY, T + 60_000)).toMatchObject({ reason: 'credential_ambiguous' });
      expect(after.s.check(COOKIE, ALICE, T + 60_000)).toBeUndefined();
      await after.store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
