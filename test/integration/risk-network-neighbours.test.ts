import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * An IPv6 network is the /56 around an address (`risk.ipv6_prefix`), not the /64: an office or a
 * home numbers its VLANs inside the /56 or /48 its provider delegated (RIPE-690), so a laptop
 * going from the desk VLAN to the meeting room's Wi-Fi is a new address in a known network, as a
 * new DHCP lease behind the office's IPv4 NAT is. Day 7 (issue 12) asked three engineers twice
 * within hours for exactly that move. What a stolen token needs stays the same: from anywhere
 * outside the site's /56, a sign-in made after that network first appeared. Through the real gRPC
 * server running examples/stepgate.yaml on a virtual clock.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 2, 8, 8, 0, 0); // a Monday
const M = 60_000;
const H = 60 * M;
const KUBECTL = 'kubectl/v1.32.3 (linux/amd64) kubernetes/32cc146';
/** The office's public IPv6 (2a02:a46:7c1::/48): desk VLANs 10 and 11, the meeting rooms' Wi-Fi 20. */
const DESK = (host: number) => `2a02:a46:7c1:10:1c07:3e::${host.toString(16)}`;
const MEETING_ROOM = (host: number) => `2a02:a46:7c1:20:5d0b::${host.toString(16)}`;
const SECRET = '/api/v1/namespaces/payments-prod/secrets/payments-db';

function send(login: Login, at: number, source: string, path = SECRET): Promise<CheckResponse> {
  return s.sendAt(login, at, { method: 'GET', path, source, headers: { 'user-agent': KUBECTL } });
}

function context(res: CheckResponse): { code?: string; message?: string } | undefined {
  const body = deniedBody(res) as { stepgate?: { risk?: { context?: { code?: string; message?: string } } } } | null;
  return body?.stepgate?.risk?.context;
}

/** Last week at the desk (the engineer's team Secret and pods), then this morning's sign-in there. */
async function officeEngineer(sub: string, host: number): Promise<Login> {
  const before = T0 - 3 * 24 * H;
  const y: Login = { sub, sid: `${sub}:fri`, authTime: Math.floor(before / 1000), acr: 'urn:stepgate:aal2' };
  for (let k = 0; k < 6; k++) {
    expect(reasonOf(await send(y, before + M + k * 30 * M, DESK(host)))).toBe('allowed');
    expect(reasonOf(await send(y, before + 2 * M + k * 30 * M, DESK(host), '/api/v1/namespaces/payments-dev/pods'))).toBe('allowed');
  }
  const login: Login = { sub, sid: `${sub}:mon`, authTime: Math.floor(T0 / 1000), acr: 'urn:stepgate:aal2' };
  expect(reasonOf(await send(login, T0 + 30_000, DESK(host)))).toBe('allowed');
  return login;
}

describe('IPv6: a network is the /56 a site numbers its VLANs in', () => {
  it('the meeting room\'s Wi-Fi, another /64 of the office\'s /56, is the office: nothing is asked there', async () => {
    const login = await officeEngineer('v6-desk@example.io', 0x21);
    // 10:30, two and a half hours after the sign-in: the meeting room's /64. With a /64 network
    // this was `new_network`, and the morning's sign-in predates it: asked again.
    const there = await send(login, T0 + 150 * M, MEETING_ROOM(0x7));
    expect(reasonOf(there), JSON.stringify(context(there))).toBe('allowed');
    // And the other desk VLAN in the afternoon.
    expect(reasonOf(await send(login, T0 + 6 * H, '2a02:a46:7c1:11:1c07:3e::21'))).toBe('allowed');
  });

  it('a fresh stolen token used from another /56 of the office\'s own /48 needs a sign-in made after that network appeared', async () => {
    const victim = await officeEngineer('v6-victim@example.io', 0x22);
    // The victim signs in again at 11:00; a phishing proxy captured that sign-in and uses it two
    // minutes later from another customer's /56 of the same provider block.
    // Until 2026-12-04 it was allowed: the victim's own request with that sign-in, from the desk
    // network known since Friday, counted as a fresh proof inside the provider's /32, and
    // `nearby_networks.vouch_seconds` let the same sign-in's token use any other network there
    // for 15 minutes (and learned it).
    const fresh: Login = { sub: victim.sub, sid: `${victim.sub}:phished`, authTime: Math.floor((T0 + 3 * H) / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await send(fresh, T0 + 3 * H + 20_000, DESK(0x22)))).toBe('allowed');
    const stolen = await send(fresh, T0 + 3 * H + 2 * M, '2a02:a46:7c1:1f05::9');
    expect(reasonOf(stolen)).toBe('auth_too_old');
    expect(context(stolen)).toMatchObject({ code: 'new_network', message: 'new network since 11:02:00Z; sign in again' });
    // From another /48 of the same provider's /32: the engineer has proven one /56 there, so the
    // /32 is not a network they move in (nearby_networks.min_networks: 2).
    const further = await send(fresh, T0 + 3 * H + 3 * M, '2a02:a46:9e0:4400::12');
    expect(reasonOf(further)).toBe('auth_too_old');
    expect(context(further)?.code).toBe('new_network');
  });

  it('the same token from a /56 that later appears is still bound: the sighting, not the /64, decides', async () => {
    const victim = await officeEngineer('v6-home@example.io', 0x23);
    // A home /56 first seen at 12:00 with the morning's sign-in: asked, and the sign-in at 12:01
    // proves it; a /64 of that home's other VLAN at 12:30 is then the same network.
    const home = (vlan: number) => `2a01:c23:8d15:a${vlan}:9f2e::5`;
    const first = await send(victim, T0 + 4 * H, home(0));
    expect(reasonOf(first)).toBe('auth_too_old');
    expect(context(first)?.code).toBe('new_network');
    const again: Login = { sub: victim.sub, sid: `${victim.sub}:home`, authTime: Math.floor((T0 + 4 * H + M) / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await send(again, T0 + 4 * H + M + 20_000, home(0)))).toBe('allowed');
    expect(reasonOf(await send(victim, T0 + 4.5 * H, home(1)))).toBe('allowed');
  });
});

/**
 * `nearby_networks.vouch_seconds` lets the sign-in a phone or a VPN client has just made for its
 * first network of a carrier or egress pool cover the next one it moves to. Only a network proven
 * by that sign-in vouches: a network the engineer has used for days, used again with a fresh
 * sign-in, vouches for nothing. Otherwise a phishing proxy's capture of any morning sign-in at
 * home, used within 15 minutes through a residential proxy of the victim's own provider (a /16
 * for IPv4, a /32 for IPv6: the whole provider), was a new address, allowed and learned.
 */
describe('a fresh sign-in from a known network vouches for no neighbour', () => {
  it('IPv4: the phished morning sign-in, used 2 minutes later from another /24 of the victim\'s ISP /16, is bound', async () => {
    const sub = 'v4-home@example.io';
    const HOME = '84.120.7.31';
    const before = T0 - 24 * H;
    const y: Login = { sub, sid: `${sub}:y`, authTime: Math.floor(before / 1000), acr: 'urn:stepgate:aal2' };
    for (let k = 0; k < 6; k++) expect(reasonOf(await send(y, before + M + k * 30 * M, HOME))).toBe('allowed');
    const fresh: Login = { sub, sid: `${sub}:phished`, authTime: Math.floor(T0 / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await send(fresh, T0 + 20_000, HOME))).toBe('allowed');
    const stolen = await send(fresh, T0 + 2 * M, '84.120.213.77');
    expect(reasonOf(stolen)).toBe('auth_too_old');
    expect(context(stolen)?.code).toBe('new_network');
    // Nor did the refused request teach the network: the victim's morning token is asked there too.
    expect(reasonOf(await send(fresh, T0 + 3 * M, '84.120.213.77'))).toBe('auth_too_old');
  });

  it('control: the sign-in that answers a phone\'s first carrier /24 still covers the carrier\'s next /24 minutes later', async () => {
    const sub = 'v4-phone@example.io';
    const HOME = '84.120.7.31';
    const before = T0 - 24 * H;
    const y: Login = { sub, sid: `${sub}:y`, authTime: Math.floor(before / 1000), acr: 'urn:stepgate:aal2' };
    for (let k = 0; k < 6; k++) expect(reasonOf(await send(y, before + M + k * 30 * M, HOME))).toBe('allowed');
    // 02:09 the phone on carrier NAT: a new network, asked; the sign-in 20 s later proves it.
    const night = T0 - 6 * H;
    const first = await send(y, night, '172.58.77.14');
    expect(reasonOf(first)).toBe('auth_too_old');
    const signedIn: Login = { sub, sid: `${sub}:night`, authTime: Math.floor((night + 20_000) / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await send(signedIn, night + 25_000, '172.58.77.14'))).toBe('allowed');
    // 02:14 the carrier moves it to the next /24 of the /16: vouched for by that sign-in.
    expect(reasonOf(await send(signedIn, night + 5 * M, '172.58.94.201'))).toBe('allowed');
  });
});
