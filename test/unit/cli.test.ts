import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands.js';
import { parseConfig } from '../../src/config/load.js';
import { parseServerAddress, renderCheckResponse } from '../../src/live-check.js';
import { startupProblems } from '../../src/preflight.js';
import { chooseLogFormat, prettyLine } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml, withStepupSession } from '../support/config.js';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

describe('stepgate help', () => {
  it.each([
    [['--help'], /^usage:\n  stepgate \[serve\]/],
    [['-h'], /stepgate check --url URL/],
    [['help'], /stepgate help \[COMMAND\]/],
    [['serve', '--help'], /^usage: stepgate serve .*--log-format pretty\|json/],
    [['check-config', '-h'], /^usage: stepgate check-config \[--skip-env\] FILE/],
    [['explain', '--url', 'https://x/', '--help'], /^usage: stepgate explain/],
    [['check', '--help'], /^usage: stepgate check --url URL/],
    [['help', 'check'], /69 the server cannot be reached/],
    [['help', 'login'], /stepgate login/],
  ])('%j prints the usage and exits 0', async (args, expected) => {
    const r = await run(args);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(expected);
  });

  it('a --help given as a value after -- is not a request for help', async () => {
    const r = await run(['check-config', '--', '--help']);
    expect(r.code).toBe(66);
    expect(r.err).toBe('stepgate: --help: no such file\n');
  });

  it('help for an unknown command is a usage error naming the commands', async () => {
    const r = await run(['help', 'nope']);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/^stepgate: no help for "nope": the commands are serve, check-config, explain, check,/);
  });
});

describe('log format', () => {
  it.each([
    [undefined, {}, true, { format: 'pretty' }],
    [undefined, {}, false, { format: 'json' }],
    [undefined, { STEPGATE_LOG_FORMAT: 'json' }, true, { format: 'json' }],
    [undefined, { STEPGATE_LOG_FORMAT: 'pretty' }, false, { format: 'pretty' }],
    [undefined, { STEPGATE_LOG_FORMAT: '' }, false, { format: 'json' }],
    ['json', { STEPGATE_LOG_FORMAT: 'pretty' }, true, { format: 'json' }],
    ['yaml', {}, true, { error: '--log-format: must be pretty or json, got "yaml"' }],
    [undefined, { STEPGATE_LOG_FORMAT: 'JSON' }, true, { error: 'STEPGATE_LOG_FORMAT: must be pretty or json, got "JSON"' }],
  ] as const)('flag %s, env %j, tty %s', (flag, env, tty, expected) => {
    expect(chooseLogFormat(flag, env, tty)).toEqual(expected);
  });

  it('a bad --log-format is a usage error, a bad STEPGATE_LOG_FORMAT a startup error', async () => {
    expect((await run(['serve', '--log-format', 'xml'])).code).toBe(64);
    process.env.STEPGATE_LOG_FORMAT = 'xml';
    try {
      const r = await run(['serve']);
      expect(r.code).toBe(2);
      expect(r.err).toBe('stepgate: cannot start: STEPGATE_LOG_FORMAT: must be pretty or json, got "xml"\n');
    } finally {
      delete process.env.STEPGATE_LOG_FORMAT;
    }
  });

  it('renders one readable line per record: time, level, event, message, fields', () => {
    const line = JSON.stringify({ level: 'warn', time: '2026-12-02T02:25:48.123Z', service: 'stepgate', event: 'jwks_refresh', issuer: 'https://idp.example.com', outcome: 'error', detail: 'fetch failed (ECONNREFUSED)', msg: 'cannot fetch' });
    expect(prettyLine(`${line}\n`)).toBe('02:25:48.123Z WARN  jwks_refresh: cannot fetch  issuer=https://idp.example.com outcome=error detail="fetch failed (ECONNREFUSED)"\n');
    expect(prettyLine(JSON.stringify({ level: 'error', time: 't', msg: 'x', err: { type: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at f' }, n: 3, list: ['a'] })))
      .toBe('t ERROR x  err="TypeError: boom" n=3 list=["a"]\n');
    expect(prettyLine(JSON.stringify({ level: 'info', time: 't', msg: 'm' }), true)).toBe('t \u001b[32mINFO \u001b[0m m\n');
  });

  it('never passes a control character or a bidi override to the terminal, and stays one line', () => {
    const hostile = fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '\n', '\r', '\u001b', '[', '\u0007', '\u007f', '\u009b', '\u202e', '\u2066', '=', 'é') });
    fc.assert(
      fc.property(hostile, hostile, hostile, (msg, value, key) => {
        const out = prettyLine(JSON.stringify({ level: 'info', time: 't', event: value, msg, [key || 'k']: value, obj: { v: value } }));
        expect(out.endsWith('\n')).toBe(true);
        // eslint-disable-next-line no-control-regex
        expect(out.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      }),
    );
    // Not JSON at all (a line from elsewhere): escaped too.
    expect(prettyLine('\u001b[2Jgone\n')).toBe('\\u001b[2Jgone\n');
  });
});

describe('stepgate check: the answer in explain\'s shape', () => {
  it('maps an allow: status 200, headers, headers added to the client\'s response, headers removed, metadata', () => {
    const out = renderCheckResponse('127.0.0.1:9191', {
      status: { code: 0 },
      ok_response: {
        headers: [{ header: { key: 'x-stepgate-subject', value: 'alice' } }],
        headers_to_remove: ['authorization'],
        response_headers_to_add: [{ header: { key: 'dpop-nonce', value: 'n0nce' } }],
      },
      dynamic_metadata: { fields: { decision: { stringValue: 'allow' }, reason: { stringValue: 'allowed' } } },
    });
    expect(out).toEqual({
      server: '127.0.0.1:9191',
      decision: { allow: true, reason: 'allowed', message: expect.any(String) },
      response: { status: 200, headers: { 'x-stepgate-subject': 'alice' }, response_headers_to_add: { 'dpop-nonce': 'n0nce' }, headers_to_remove: ['authorization'], body: null },
      metadata: { decision: 'allow', reason: 'allowed' },
    });
  });

  it.each([
    ['Unauthorized', 401],
    ['Forbidden', 403],
    ['Found', 302],
    ['PayloadTooLarge', 413],
    ['ServiceUnavailable', 503],
    [undefined, 403],
    ['Empty', 403],
  ])('maps the denied status %s to %i (unset: 403, as Envoy)', (code, status) => {
    const out = renderCheckResponse('s', { status: { code: 16, message: 'token_missing' }, denied_response: { ...(code ? { status: { code } } : {}), body: '{"a":1}' } });
    expect(out.decision).toMatchObject({ allow: false, reason: 'token_missing' });
    expect(out.response.status).toBe(status);
    expect(out.response.body).toEqual({ a: 1 });
  });

  it('a non-OK gRPC status is a denial even without a denied_response; an unknown reason has no message', () => {
    const out = renderCheckResponse('s', { status: { code: 7 }, dynamic_metadata: { fields: { reason: { stringValue: 'from_the_future' } } } });
    expect(out.decision).toEqual({ allow: false, reason: 'from_the_future', message: null });
    expect(renderCheckResponse('s', { status: { code: 16 }, denied_response: { body: 'not json' } }).response.body).toBe('not json');
  });

  it.each([
    ['127.0.0.1:9191', true],
    ['localhost:1', true],
    ['stepgate.stepgate.svc.cluster.local:9191', true],
    ['[::1]:9191', true],
    ['127.0.0.1', false],
    ['127.0.0.1:0', false],
    ['127.0.0.1:65536', false],
    ['http://127.0.0.1:9191', false],
    ['dns:///x:1', false],
    ['-x:1', false],
    ['a b:1', false],
  ])('--server %s accepted: %s', (value, ok) => {
    expect(parseServerAddress(value) !== undefined).toBe(ok);
  });
});

describe('check-config: what the file needs from the environment', () => {
  const KEYS = `k1:${'A'.repeat(43)}`;
  const base = { TEST_HMAC_SECRET: HMAC_SECRET, SG_KEYS: KEYS, SG_SECRET: 'client-secret' };
  const stepup = withStepupSession(testConfigYaml('https://idp.example.com'));
  const redis = (section: string) => testConfigYaml('https://idp.example.com', `state:\n  store: redis\n  redis:\n${section}`);

  it('the test configuration with its variables set has no problem', () => {
    expect(startupProblems(parseConfig(stepup, 'c.yaml'), base)).toEqual([]);
  });

  it.each([
    ['issuers[].hmac_secret_env', stepup, { TEST_HMAC_SECRET: '' }, ['TEST_HMAC_SECRET (issuers[].hmac_secret_env) must hold an HMAC secret']],
    ['stepup.session.keys_env', stepup, { SG_KEYS: '' }, ['stepup.session.keys_env (SG_KEYS): environment variable SG_KEYS is not set']],
    ['stepup.oidc.client_secret_env', stepup, { SG_SECRET: '' }, ['stepup.oidc.client_secret_env: environment variable SG_SECRET is not set']],
    ['all three at once', stepup, { SG_SECRET: '', SG_KEYS: '', TEST_HMAC_SECRET: '' }, ['SG_KEYS is not set', 'TEST_HMAC_SECRET', 'SG_SECRET is not set']],
    ['state.redis.password_env', redis('    url: redis://127.0.0.1:6379/0\n    password_env: SG_REDIS\n'), {}, ['state.redis.password_env: environment variable SG_REDIS is not set']],
    ['REDIS_URL', redis('    key_prefix: "sg:"\n'), { REDIS_URL: '' }, ['state.redis.url: store is redis but no URL is configured and REDIS_URL is not set']],
    ['sentinel password_env', redis('    sentinel:\n      name: mymaster\n      nodes: ["127.0.0.1:26379"]\n      password_env: SG_SENTINEL\n'), {}, ['state.redis.sentinel.password_env: environment variable SG_SENTINEL is not set']],
    ['STEPGATE_STATE_STORE', stepup, { STEPGATE_STATE_STORE: 'disk' }, ['STEPGATE_STATE_STORE: must be memory or redis']],
  ])('names %s when it is missing', (_name, yaml, overrides, expected) => {
    const problems = startupProblems(parseConfig(yaml, 'c.yaml'), { ...base, ...overrides });
    expect(problems).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(problems.some((p) => p.includes(e)), `${i}: ${problems.join(' | ')}`).toBe(true));
  });

  it('the client secret is not needed when the step-up routes are not served', () => {
    expect(startupProblems(parseConfig(stepup, 'c.yaml'), { ...base, SG_SECRET: '', STEPGATE_HTTP_LISTEN: 'off' })).toEqual([]);
  });
});

describe('check-config: the cluster policy files (cel branch)', () => {
  it('a broken policy file fails check-config, with and without --skip-env, naming file, line and field', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    // eslint-disable-next-line @typescript-eslint/unbound-method -- path.join does not use `this`
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-cli-cel-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints:\n    resourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [pods], operations: [CREATE]}]\n  validations:\n    - expression: "object.spec.containers.all(c, "\n',
    );
    const config = join(dir, 'stepgate.yaml');
    writeFileSync(config, testConfigYaml('https://idp.example.com', `guardrails:\n  cluster_policies: [{path: ${policy}}]\n`));
    for (const args of [['check-config', '--skip-env', config], ['check-config', config]]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`${policy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:\\d+: spec\\.validations\\[0\\]\\.expression: CEL: syntax`));
    }
    writeFileSync(policy, 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints:\n    resourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [pods], operations: [CREATE]}]\n  validations:\n    - expression: "true"\n');
    const ok = await run(['check-config', '--skip-env', config]);
    expect(ok.code).toBe(0);
  });
});
