import { describe, expect, it } from 'vitest';
import { configYaml } from '../../bench/fixtures.js';
import { parseConfig } from '../../src/config/load.js';

/**
 * The benchmark's scenario (e) starts real stepgate processes from these configurations; an
 * invalid one would only show as a startup failure in the middle of a long run.
 */
describe('bench configuration for scenario (e)', () => {
  const jwks = 'http://127.0.0.1:1/certs';

  it('is valid with the risk engine on, for both stores', () => {
    const memory = parseConfig(configYaml(jwks, '127.0.0.1:9001', { store: 'memory' }), 'memory.yaml');
    const redis = parseConfig(configYaml(jwks, '127.0.0.1:9002', { store: 'redis', redisUrl: 'redis://127.0.0.1:6390/0' }), 'redis.yaml');
    expect(memory.risk?.enabled).toBe(true);
    expect(memory.state.store).toBe('memory');
    expect(redis.state.store).toBe('redis');
    expect(redis.state.redis?.url).toBe('redis://127.0.0.1:6390/0');
    expect(redis.state.on_state_error).toBe('fail_closed');
    // Identical apart from the store and the listen address.
    expect({ ...redis, state: undefined, server: undefined }).toEqual({ ...memory, state: undefined, server: undefined });
  });

  it('keeps the rate counters from firing at benchmark rates, and nothing else', () => {
    const c = parseConfig(configYaml(jwks, '127.0.0.1:9001', { store: 'memory' }), 'memory.yaml');
    const s = c.risk!.signals;
    // h2load replays one token per shape ~10^4 times a second, for well under a minute per window.
    for (const counter of [s.request_rate, s.sensitive_rate, s.denials]) {
      expect(counter.threshold).toBeGreaterThan(60 * 100_000);
      expect(counter.weight).toBeGreaterThan(0);
    }
    expect(s.new_network).toBeGreaterThan(0);
    expect(s.new_device_fingerprint).toBeGreaterThan(0);
    expect(c.risk!.bands.map((b) => b.name)).toEqual(['elevated', 'high', 'critical']);
    expect(c.policy.rules.find((r) => r.name === 'secrets')?.sensitivity).toBe(20);
  });

  it('leaves the configuration of (a)–(d) without a risk section or sensitivities', () => {
    const text = configYaml(jwks, '127.0.0.1:9001');
    expect(text).not.toMatch(/risk:|sensitivity|state:/);
    const c = parseConfig(text, 'plain.yaml');
    expect(c.risk).toBeUndefined();
    expect(c.state.store).toBe('memory');
  });
});
