import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { aal2Token, kubeGet, riskWorld, riskYaml } from '../support/risk-world.js';

/**
 * auth_time is whole seconds, a first sighting milliseconds: a sign-in is proof for a part of the
 * context only when its second is surely not before the sighting (context-bound.ts). A token relayed
 * by a phishing proxy within the second of its sign-in was taken as made there, proved the proxy's
 * network at its first request and taught it.
 */

const CFG = parseConfig(riskYaml(), 'same-second.yaml');
const T = 1_800_000_000_000;
const DAY = 86_400_000;
const HOME = '203.0.113.7';
const PROXY = '198.51.100.77';
const KUBECTL = 'kubectl/v1.32.1 (darwin/arm64) kubernetes/e9c9be4';
const S = (ms: number) => Math.floor(ms / 1000);

function world() {
  const w = riskWorld(CFG);
  expect(w.check(kubeGet(HOME, KUBECTL), aal2Token('alice', S(T - DAY) - 60), T - DAY).v.allow).toBe(true);
  return w;
}

describe('a sign-in in the same second as a first sighting', () => {
  it('is no proof of a network first seen 300 ms after it (a relayed token), and teaches nothing', () => {
    const w = world();
    const relayed = aal2Token('alice', S(T));
    const first = w.check(kubeGet(PROXY, KUBECTL), relayed, T + 300);
    expect(first.v.allow).toBe(false);
    expect(first.out.ok && first.out.risk.context?.code).toBe('new_network');
    expect(w.check(kubeGet(PROXY, KUBECTL), relayed, T + 5_000).v.allow).toBe(false);
  });

  it('a sign-in in the next second proves it, and one at the sighting\'s own whole second does', () => {
    const w = world();
    expect(w.check(kubeGet(PROXY, KUBECTL), aal2Token('alice', S(T) - 3600), T + 300).v.allow).toBe(false);
    expect(w.check(kubeGet(PROXY, KUBECTL), aal2Token('alice', S(T) + 1), T + 20_000).v.allow).toBe(true);
    const v = world();
    expect(v.check(kubeGet(PROXY, KUBECTL), aal2Token('alice', S(T)), T).v.allow).toBe(true);
    // One second before a sighting on the boundary is before it.
    const u = world();
    expect(u.check(kubeGet(PROXY, KUBECTL), aal2Token('alice', S(T) - 1), T).v.allow).toBe(false);
  });
});
