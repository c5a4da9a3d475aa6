import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigFileWatcher } from '../../src/config/watch.js';
import { explain } from '../../src/explain.js';
import { startService, type Service } from '../../src/main.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest, KUBE_HOST } from '../support/requests.js';
import { captureLog, captureSpans, eventually } from '../support/telemetry.js';

/**
 * Shadow mode through the real gRPC server: a shadowed rule is reported (metrics, audit record,
 * span) and never enforced; a reload through the config watcher moves it to enforce and back,
 * live, and neither the token cache nor the encoded-allow cache keeps serving the shadow-time
 * allow once the rule is enforced.
 */

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
let watcher: ConfigFileWatcher;
const dir = mkdtempSync(join(tmpdir(), 'stepgate-shadow-'));
const file = join(dir, 'stepgate.yaml');
const log = captureLog('info');
const spans = captureSpans();
let enforcedText = '';
let shadowText = '';

const SECRETS_RULE = '    - name: secrets\n      match:\n        kubernetes:\n          resources: [secrets]\n      require: aal2\n      max_age: 900\n';

beforeAll(async () => {
  issuer = await TestIssuer.start();
  // The reload applies log.level too: the audit records are read back at info.
  enforcedText = testConfigYaml(issuer.url).replace('log:\n  level: silent', 'log:\n  level: info');
  expect(enforcedText).toContain(SECRETS_RULE);
  shadowText = enforcedText.replace(SECRETS_RULE, `${SECRETS_RULE}      mode: shadow\n`);
  writeFileSync(file, shadowText);
  service = await startService(parseConfig(shadowText, file), { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: 'off' }, log.logger, {
    telemetry: { tracerProvider: spans.provider },
  });
  client = new CheckClient(service.grpc.port);
  // What `stepgate serve` does with a changed file, polled on demand instead of on a timer.
  watcher = new ConfigFileWatcher(file, (text) => service.reload(parseConfig(text, file)), (err) => {
    throw err;
  });
  watcher.start(0, shadowText);
});

afterAll(async () => {
  watcher?.stop();
  client?.close();
  await service?.stop();
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const secrets = (token: string) => checkRequest({ path: '/api/v1/namespaces/dev/secrets/db', token });

async function points(name: string) {
  const { resourceMetrics } = await service.telemetry.metrics.collect();
  return resourceMetrics.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === name)!.dataPoints.map((p) => [p.attributes, p.value]);
}

async function reloadTo(text: string) {
  writeFileSync(file, text);
  await watcher.check();
  expect(service.runtime.config.policy.rules.find((r) => r.name === 'secrets')!.mode).toBe(text === shadowText ? 'shadow' : 'enforce');
}

describe('shadow mode through the gRPC server', () => {
  it('a shadowed rule is reported as a would-be challenge and the request is allowed, twice (from the caches too)', async () => {
    const token = await issuer.token({ sub: 'sam@example.com', acr: 'urn:stepgate:aal1', amr: ['pwd'] });
    const first = await client.check(secrets(token));
    expect(first.status.code).toBe(0);
    const again = await client.check(secrets(token));
    expect(again.status.code).toBe(0);

    await eventually(() => log.records.filter((r) => r.event === 'shadow.challenge').length >= 2, 5000, 'two records');
    const audit = log.records.filter((r) => r.event === 'shadow.challenge' && (r.subject as string) === 'sam@example.com');
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      audit: true,
      decision: 'allow',
      reason: 'allowed',
      rules: ['default'],
      shadow: { decision: 'deny', reason: 'acr_insufficient', elements: ['secrets'], rules: ['secrets'], level_required: 'aal2', max_age: 900 },
    });
    expect(audit[1]!.token_cache).toBe('hit');

    const span = spans.named('stepgate.check').at(-1)!;
    expect(span.attributes).toMatchObject({
      'stepgate.decision': 'allow',
      'stepgate.shadow.decision': 'deny',
      'stepgate.shadow.reason': 'acr_insufficient',
      'stepgate.shadow.rules': ['secrets'],
    });

    expect(await points('stepgate_shadow_decisions')).toContainEqual([{ rule: 'secrets', decision: 'stepup', reason: 'acr_insufficient' }, 2]);
    const rules = await points('stepgate_rule_decisions');
    expect(rules).toContainEqual([{ rule: 'secrets', decision: 'stepup', mode: 'shadow' }, 2]);
    // One series per rule: the shadowed rule is never counted as enforced.
    expect(rules.filter(([a]) => (a as { rule: string }).rule === 'secrets' && (a as { mode: string }).mode === 'enforce')).toEqual([]);

    // explain on the same file says the same.
    const out = await explain(parseConfig(shadowText, file), { method: 'GET', url: `https://${KUBE_HOST}/api/v1/namespaces/dev/secrets/db`, headers: [], token }, { env: { TEST_HMAC_SECRET: HMAC_SECRET } });
    expect(out.decision.allow).toBe(true);
    expect(out.shadow).toMatchObject({ elements: ['secrets'], decision: { allow: false, reason: 'acr_insufficient' } });
  });

  it('a reload moves the rule to enforce live: the cached token and its encoded allow are not reused', async () => {
    const token = await issuer.token({ sub: 'kim@example.com', acr: 'urn:stepgate:aal1', amr: ['pwd'] });
    // Warm both caches under shadow: a token-cache hit whose allow bytes are reused.
    expect((await client.check(secrets(token))).status.code).toBe(0);
    const warm = await client.check(secrets(token));
    expect(warm.status.code).toBe(0);
    expect((await client.check(secrets(token))).status.code).toBe(0);
    // A token-cache hit, allowed, and the answer bytes the same each time (the encoded-allow cache's case).
    await eventually(() => log.records.filter((r) => r.subject === 'kim@example.com').length === 3, 5000, 'three records');
    expect(log.records.filter((r) => r.subject === 'kim@example.com').map((r) => r.token_cache)).toEqual(['miss', 'hit', 'hit']);

    await reloadTo(enforcedText);
    const enforced = await client.check(secrets(token));
    expect(enforced.status.code).not.toBe(0);
    expect(reasonOf(enforced)).toBe('acr_insufficient');
    // Records are written after the answer is handed to gRPC.
    const rec = await eventually(() => log.records.find((r) => r.subject === 'kim@example.com' && r.event !== 'shadow.challenge'), 5000, 'the enforced record');
    expect(rec).toMatchObject({ event: 'stepup.challenge', rules: ['secrets'], token_cache: 'hit' });
    expect(rec.shadow).toBeUndefined();

    // And back: the rule is shadowed again, the same token allowed.
    await reloadTo(shadowText);
    expect((await client.check(secrets(token))).status.code).toBe(0);
  });
});
