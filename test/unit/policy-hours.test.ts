import { describe, expect, it } from 'vitest';
import { compileOutsideHours } from '../../src/policy/hours.js';
import { kubeReq, policyOf, who } from '../support/policy.js';

const at = (iso: string) => Date.parse(iso);
const as = (subject: string) => ({ ...who(), subject });

describe('outside_hours: a contract window on a zone wall clock', () => {
  // 2026-12-10 is a Thursday; London is on GMT then, on BST in July.
  const office = compileOutsideHours({ time_zone: 'Europe/London', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], from: '08:00', to: '18:00' }] });

  it('is inside from the opening minute to the minute before closing, and outside after', () => {
    expect(office(at('2026-12-10T07:59:00Z'))).toBe(true);
    expect(office(at('2026-12-10T08:00:00Z'))).toBe(false);
    expect(office(at('2026-12-10T17:59:59Z'))).toBe(false);
    expect(office(at('2026-12-10T18:00:00Z'))).toBe(true);
    expect(office(at('2026-12-10T23:30:00Z'))).toBe(true);
    // Sunday is not a day it opens.
    expect(office(at('2026-12-13T10:00:00Z'))).toBe(true);
  });

  it('reads the wall clock: 08:00 in July is 07:00 UTC', () => {
    expect(office(at('2026-07-09T07:00:00Z'))).toBe(false);
    expect(office(at('2026-07-09T06:59:00Z'))).toBe(true);
    expect(office(at('2026-07-09T17:00:00Z'))).toBe(true);
  });

  it('follows the clocks on the nights they change: an hour shorter going forward, longer going back', () => {
    // London 2026-03-29: 01:00 GMT becomes 02:00 BST; 2026-10-25: 02:00 BST becomes 01:00 GMT.
    const night = compileOutsideHours({ time_zone: 'Europe/London', windows: [{ from: '00:30', to: '02:30' }] });
    expect(night(at('2026-03-29T00:29:00Z'))).toBe(true);
    expect(night(at('2026-03-29T00:30:00Z'))).toBe(false);
    // 01:29 UTC is 02:29 BST: the last minute; 01:30 UTC is 02:30 BST, closed (one hour of window).
    expect(night(at('2026-03-29T01:29:00Z'))).toBe(false);
    expect(night(at('2026-03-29T01:30:00Z'))).toBe(true);
    // Going back: 00:30 BST is 23:30 UTC the day before; 02:29 GMT is 02:29 UTC (three hours of window).
    expect(night(at('2026-10-24T23:29:00Z'))).toBe(true);
    expect(night(at('2026-10-24T23:30:00Z'))).toBe(false);
    expect(night(at('2026-10-25T01:15:00Z'))).toBe(false);
    expect(night(at('2026-10-25T02:29:00Z'))).toBe(false);
    expect(night(at('2026-10-25T02:30:00Z'))).toBe(true);
  });

  it('runs past midnight when to is not after from: the night belongs to the day it opens', () => {
    const shift = compileOutsideHours({ time_zone: 'UTC', windows: [{ days: ['fri'], from: '22:00', to: '06:00' }] });
    expect(shift(at('2026-12-11T21:59:00Z'))).toBe(true); // Friday
    expect(shift(at('2026-12-11T22:00:00Z'))).toBe(false);
    expect(shift(at('2026-12-12T03:00:00Z'))).toBe(false); // Saturday morning: Friday's night
    expect(shift(at('2026-12-12T06:00:00Z'))).toBe(true);
    expect(shift(at('2026-12-12T23:00:00Z'))).toBe(true); // Saturday night: not a day it opens
    expect(shift(at('2026-12-11T03:00:00Z'))).toBe(true); // Friday morning: Thursday's night
  });

  it('is inside any of several windows, and a whole day is 00:00 to 24:00', () => {
    const h = compileOutsideHours({ time_zone: 'America/New_York', windows: [{ days: ['mon'], from: '09:00', to: '12:00' }, { days: ['sun'], from: '00:00', to: '24:00' }] });
    expect(h(at('2026-12-07T14:30:00Z'))).toBe(false); // Monday 09:30 EST
    expect(h(at('2026-12-07T18:00:00Z'))).toBe(true); // Monday 13:00
    expect(h(at('2026-12-07T04:30:00Z'))).toBe(false); // Sunday 23:30 EST, Monday in UTC
  });
});

describe('match.outside_hours in a rule', () => {
  const { policy } = policyOf(`    - name: vendor-hours
      match:
        subjects: ["*@vendor.example"]
        outside_hours: {time_zone: Europe/London, windows: [{days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00"}]}
      deny: true
      message: the vendor's account acts within its contract's hours only
`);
  const exec = kubeReq('POST', '/api/v1/namespaces/pos/pods/p-0/exec');

  it("applies only outside the window, and only to the rule's subjects", () => {
    expect(policy.evaluate(exec, as('a@vendor.example'), at('2026-12-10T23:30:00Z'))).toMatchObject({ deny: true, rules: ['vendor-hours'] });
    expect(policy.evaluate(exec, as('a@vendor.example'), at('2026-12-10T10:00:00Z'))).toMatchObject({ deny: false, rules: ['default'] });
    expect(policy.evaluate(exec, as('a@shop.example'), at('2026-12-10T23:30:00Z'))).toMatchObject({ deny: false, rules: ['default'] });
  });

  it('applies when the caller gives no time: an unknown time is in no window', () => {
    expect(policy.evaluate(exec, as('a@vendor.example'))).toMatchObject({ deny: true });
  });
});

describe('outside_hours configuration errors name file, line and field', () => {
  const rule = (hours: string) => `    - name: r
      match:
        outside_hours: ${hours}
      deny: true
`;
  it.each([
    ['{time_zone: Europe/Londn, windows: [{from: "08:00", to: "18:00"}]}', /^p\.yaml:14:\d+: policy\.rules\[0\]\.match\.outside_hours\.time_zone: an IANA time zone/],
    ['{time_zone: UTC, windows: [{from: "8:00", to: "18:00"}]}', /^p\.yaml:14:\d+: policy\.rules\[0\]\.match\.outside_hours\.windows\[0\]\.from: a time of day as HH:MM/],
    ['{time_zone: UTC, windows: [{from: "08:00", to: "24:30"}]}', /^p\.yaml:14:\d+: policy\.rules\[0\]\.match\.outside_hours\.windows\[0\]\.to: a time of day as HH:MM/],
    ['{time_zone: UTC, windows: [{from: "08:00", to: "08:00"}]}', /^p\.yaml:14:\d+: policy\.rules\[0\]\.match\.outside_hours\.windows\[0\]\.to: from and to are the same time/],
    ['{time_zone: UTC, windows: [{days: [monday], from: "08:00", to: "18:00"}]}', /^p\.yaml:14:\d+: policy\.rules\[0\]\.match\.outside_hours\.windows\[0\]\.days\[0\]: /],
    ['{time_zone: UTC, windows: []}', /^p\.yaml:14:\d+: policy\.rules\[0\]\.match\.outside_hours\.windows: /],
  ])('%s', (hours, error) => {
    expect(() => policyOf(rule(hours))).toThrow(error);
  });
});
