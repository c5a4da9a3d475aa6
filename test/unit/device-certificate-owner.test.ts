import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceUri, parseDeviceUri } from '../../src/core/device-uri.js';
import { DeviceResolver } from '../../src/risk/device.js';

const KUBECTL = 'kubectl/v1.31.3 (darwin/arm64) kubernetes/c83cbee';
const ISS = 'https://login.example.com';
const ALICE = { issuer: ISS, subject: 'alice@example.com' };
const BOB = { issuer: ISS, subject: 'bob@example.com' };
const alicesCert = deviceUri({ deviceId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ...ALICE });

const base = { xfcc: undefined, userAgent: KUBECTL, secChUa: undefined, secChUaPlatform: undefined };

describe('a stepgate device certificate counts for the subject it names only', () => {
  it("is alice's certificate device with alice's token", () => {
    const d = new DeviceResolver(false).resolve({ ...base, principal: alicesCert, owner: ALICE });
    expect(d.strength).toBe('certificate');
    expect(d.id).toMatch(/^cert:/);
  });

  it("is no certificate, and not bob's fingerprint either, with bob's token", () => {
    const r = new DeviceResolver(false);
    const bobsKubectl = r.resolve({ ...base, principal: '', owner: BOB });
    const d = r.resolve({ ...base, principal: alicesCert, owner: BOB });
    expect(d.strength).not.toBe('certificate');
    expect(d.id).toMatch(/^foreign:/);
    expect(d.id).not.toBe(bobsKubectl.id);
    // Alice's own use of it afterwards is unchanged (nothing of bob's was remembered under it).
    expect(r.resolve({ ...base, principal: alicesCert, owner: ALICE }).strength).toBe('certificate');
  });

  it('another issuer with the same subject is another owner', () => {
    expect(new DeviceResolver(false).resolve({ ...base, principal: alicesCert, owner: { issuer: 'https://other.example.com', subject: ALICE.subject } }).strength).toBe('foreign_certificate');
  });

  it('a URI in stepgate\'s form that does not parse, or no identity, counts for nobody', () => {
    const r = new DeviceResolver(false);
    expect(r.resolve({ ...base, principal: 'stepgate://device/short?iss=x&sub=y', owner: ALICE }).strength).toBe('foreign_certificate');
    expect(r.resolve({ ...base, principal: `${alicesCert}&sub=bob%40example.com`, owner: ALICE }).strength).toBe('foreign_certificate');
    expect(r.resolve({ ...base, principal: alicesCert }).strength).toBe('foreign_certificate');
  });

  it('leaves an MDM certificate as it was: a certificate for whoever presents it', () => {
    expect(new DeviceResolver(false).resolve({ ...base, principal: 'spiffe://corp.example/laptop/42', owner: BOB }).strength).toBe('certificate');
  });

  it('reads the stepgate URI from a trusted x-forwarded-client-cert before its Hash', () => {
    const xfcc = `By=spiffe://gw;Hash=0123abcd;Subject="O=stepgate device,CN=x";URI=${alicesCert}`;
    const r = new DeviceResolver(true);
    const mine = r.resolve({ ...base, principal: '', xfcc, owner: ALICE });
    expect(mine.strength).toBe('certificate');
    expect(mine.id).toBe(r.resolve({ ...base, principal: alicesCert, owner: ALICE }).id);
    expect(r.resolve({ ...base, principal: '', xfcc, owner: BOB }).strength).toBe('foreign_certificate');
  });

  it('writes and reads back any issuer and subject exactly (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/), (issuer, subject, deviceId) => {
        expect(parseDeviceUri(deviceUri({ deviceId, issuer, subject }))).toEqual({ deviceId, issuer, subject });
      }),
    );
  });
});
