import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, readEvent, type ReadEvent, type Transmitter } from '../../src/admin/signals.js';
import { parseConfig } from '../../src/config/load.js';
import { incidentConfigYaml, USER_ISSUER } from '../support/incident.js';

/**
 * What a Shared Signals event does to a subject (admin/signals.ts readEvent), with and without
 * incident.shared_signals.keep_history: only a subject's session-revoked (a precautionary reset)
 * keeps what the risk engine learnt; every event that says the account, credential, assurance or
 * device may be compromised forgets it whatever the key says.
 */

const TX: Transmitter = { issuer: 'https://tx.example', jwks_uri: 'https://tx.example/jwks', algorithms: ['ES256'], subject_issuer: 'https://idp.example' };
const subject = { format: 'iss_sub', iss: 'https://idp.example', sub: 'alice' };
const read = (type: string, body: Record<string, unknown>, keep: boolean) => readEvent({ events: { [type]: { subject, ...body } } }, TX, keep) as ReadEvent;

describe('readEvent: keep_history per event type', () => {
  it('session-revoked of a subject keeps the history only when configured', () => {
    expect(read(EVENT_TYPES.sessionRevoked, {}, false).action).toEqual({ kind: 'subject', subject: 'alice', issuer: 'https://idp.example' });
    expect(read(EVENT_TYPES.sessionRevoked, {}, true).action).toEqual({ kind: 'subject', subject: 'alice', issuer: 'https://idp.example', keepHistory: true });
  });

  it('session-revoked of one session revokes that session (nothing to forget either way)', () => {
    const e = readEvent({ events: { [EVENT_TYPES.sessionRevoked]: { subject: { format: 'complex', user: subject, session: { format: 'opaque', id: 'sid-1' } } } } }, TX, true) as ReadEvent;
    expect(e.action).toEqual({ kind: 'session', session: 'sid-1', issuer: 'https://idp.example' });
  });

  it('a session named alone is the transmitter\'s subject_issuer\'s session; without subject_issuer, any issuer\'s', () => {
    const event = { events: { [EVENT_TYPES.sessionRevoked]: { subject: { format: 'complex', session: { format: 'opaque', id: 'sid-2' } } } } };
    expect((readEvent(event, TX, false) as ReadEvent).action).toEqual({ kind: 'session', session: 'sid-2', issuer: 'https://idp.example' });
    const { subject_issuer: _, ...anyIssuer } = TX;
    expect((readEvent(event, anyIssuer, false) as ReadEvent).action).toEqual({ kind: 'session', session: 'sid-2' });
  });

  const forgetting: [string, Record<string, unknown>][] = [
    [EVENT_TYPES.accountDisabled, {}],
    [EVENT_TYPES.credentialCompromise, { credential_type: 'password' }],
    [EVENT_TYPES.credentialChange, { credential_type: 'password', change_type: 'update' }],
    [EVENT_TYPES.assuranceLevelChange, { change_direction: 'decrease' }],
    [EVENT_TYPES.deviceComplianceChange, { current_status: 'not-compliant' }],
  ];
  for (const [type, body] of forgetting) {
    it(`${type.slice(type.lastIndexOf('/') + 1)} always forgets (keep_history: true or false)`, () => {
      for (const keep of [false, true]) {
        const e = read(type, body, keep);
        expect(e.type).toBe(type);
        expect(e.action).toEqual({ kind: 'subject', subject: 'alice', issuer: 'https://idp.example' });
      }
    });
  }
});

describe('readEvent: a transmitter speaks for its subject_issuer only', () => {
  const other = { format: 'iss_sub', iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:ci:deployer' };
  it.each<[string, Record<string, unknown>]>([
    ['an iss_sub of another issuer', { events: { [EVENT_TYPES.accountDisabled]: { subject: other } } }],
    ['a complex subject whose user is of another issuer', { events: { [EVENT_TYPES.sessionRevoked]: { subject: { format: 'complex', user: other } } } }],
    ['sub_id naming another issuer', { events: { [EVENT_TYPES.credentialCompromise]: {} }, sub_id: other }],
  ])('%s is refused with the reason, never acted on', (_what, payload) => {
    expect(readEvent(payload, TX, false)).toMatch(/speaks for subjects of https:\/\/idp\.example only/);
  });

  it('without subject_issuer, an iss_sub is revoked at the issuer it names', () => {
    const { subject_issuer: _, ...anyIssuer } = TX;
    const e = readEvent({ events: { [EVENT_TYPES.accountDisabled]: { subject: other } } }, anyIssuer, false) as ReadEvent;
    expect(e.action).toEqual({ kind: 'subject', subject: other.sub, issuer: other.iss });
  });
});

describe('incident.shared_signals.keep_history in the config', () => {
  const signals = (extra: string) =>
    `  shared_signals:\n    audience: https://sg.example/.stepgate/ssf/events\n${extra}    transmitters:\n      - issuer: ${TX.issuer}\n        jwks_uri: ${TX.jwks_uri}\n`;
  const yaml = (extra: string) => incidentConfigYaml({ httpPort: 0, state: 'state:\n  store: memory', signals: signals(extra) });

  it('defaults to false and accepts true', () => {
    expect(parseConfig(yaml(''), 'ssf.yaml').incident?.shared_signals?.keep_history).toBe(false);
    expect(parseConfig(yaml('    keep_history: true\n'), 'ssf.yaml').incident?.shared_signals?.keep_history).toBe(true);
  });

  it('anything but a boolean is a startup error naming the field', () => {
    expect(() => parseConfig(yaml('    keep_history: "yes"\n'), 'ssf.yaml')).toThrow(/ssf\.yaml:\d+.*keep_history/s);
  });
});

describe('email subjects (incident.shared_signals.email_claim)', () => {
  const disabled = (subject: unknown) => ({ events: { [EVENT_TYPES.accountDisabled]: { subject } } });
  const email = { format: 'email', email: 'jane@corp.example' };

  it('without email_claim, an email subject is refused, alone or as the user of a complex subject', () => {
    expect(readEvent(disabled(email), TX, false)).toMatch(/email subjects are not acted on/);
    expect(readEvent({ events: { [EVENT_TYPES.sessionRevoked]: { subject: { format: 'complex', user: email } } } }, TX, false)).toMatch(/email subjects are not acted on/);
    expect(readEvent({ events: { [EVENT_TYPES.accountDisabled]: {} }, sub_id: email }, TX, false)).toMatch(/email subjects are not acted on/);
  });

  it("with email_claim, the address is the subject revoked at the transmitter's issuer", () => {
    expect((readEvent(disabled(email), TX, false, 'email') as ReadEvent).action).toEqual({ kind: 'subject', subject: 'jane@corp.example', issuer: 'https://idp.example' });
  });

  const signals = (extra: string, subjectIssuer: string | undefined) =>
    `  shared_signals:\n    audience: https://sg.example/.stepgate/ssf/events\n${extra}    transmitters:\n      - issuer: ${TX.issuer}\n        jwks_uri: ${TX.jwks_uri}\n${subjectIssuer === undefined ? '' : `        subject_issuer: ${subjectIssuer}\n`}`;
  const yaml = (extra: string, subjectIssuer?: string) => incidentConfigYaml({ httpPort: 0, state: 'state:\n  store: memory', signals: signals(extra, subjectIssuer) });

  it('must be the claim people are named by: a startup error naming the field otherwise', () => {
    // USER_ISSUER names people by sub (subject_claim's default).
    expect(parseConfig(yaml('    email_claim: sub\n', USER_ISSUER), 'ssf.yaml').incident?.shared_signals?.email_claim).toBe('sub');
    expect(parseConfig(yaml('    email_claim: sub\n'), 'ssf.yaml').incident?.shared_signals?.email_claim).toBe('sub');
    expect(parseConfig(yaml(''), 'ssf.yaml').incident?.shared_signals?.email_claim).toBeUndefined();
    expect(() => parseConfig(yaml('    email_claim: email\n', USER_ISSUER), 'ssf.yaml')).toThrow(/ssf\.yaml:\d+.*email_claim.*names people by "sub".*not "email"/s);
    expect(() => parseConfig(yaml('    email_claim: email\n'), 'ssf.yaml')).toThrow(/ssf\.yaml:\d+.*email_claim.*no issuer names people by "email"/s);
    expect(() => parseConfig(yaml('    email_claim: sub\n', 'https://idp.unknown.example'), 'ssf.yaml')).toThrow(/ssf\.yaml:\d+.*subject_issuer.*not a configured issuer/s);
    expect(() => parseConfig(yaml('    email_claim: ""\n', USER_ISSUER), 'ssf.yaml')).toThrow(/ssf\.yaml:\d+.*email_claim/s);
  });
});
