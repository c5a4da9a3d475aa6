import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands.js';
import { parseConfig } from '../../src/config/load.js';
import fc from 'fast-check';
import { explain, splitUrl } from '../../src/explain.js';
import { HMAC_SECRET, testConfig, testConfigYaml } from '../support/config.js';
import { TestIssuer } from '../support/issuer.js';
import { encodeCbor } from '../support/cbor.js';
import { runCli } from '../support/process.js';

let issuer: TestIssuer;
const dir = mkdtempSync(join(tmpdir(), 'stepgate-explain-'));
beforeAll(async () => {
  issuer = await TestIssuer.start();
});
afterAll(async () => issuer?.close());

const env = { TEST_HMAC_SECRET: HMAC_SECRET };

describe('stepgate explain', () => {
  it('explains a step-up from hand-written claims, with the documented JSON shape', async () => {
    const out = await explain(
      testConfig(issuer.url),
      {
        method: 'GET',
        url: 'https://kube.example.com/api/v1/namespaces/prod/secrets/db',
        headers: [],
        claims: { iss: issuer.url, sub: 'alice', acr: 'urn:stepgate:aal1', auth_time: Math.floor(Date.now() / 1000) - 60 },
      },
      { env },
    );
    expect(out.request).toMatchObject({
      method: 'GET',
      host: 'kube.example.com',
      path: '/api/v1/namespaces/prod/secrets/db',
      client_kind: 'api',
      kubernetes: { verb: 'get', resource: 'secrets', namespace: 'prod', name: 'db', apiGroup: '', apiVersion: 'v1' },
      cluster: null,
    });
    expect(out.identity).toMatchObject({ source: 'claims', verified: false, subject: 'alice', level: 'aal1' });
    expect(out.policy).toEqual({ matched_rules: ['secrets'], deny: false, required_level: 'aal2', max_age: 900 });
    expect(out.decision).toMatchObject({ allow: false, reason: 'acr_insufficient' });
    expect(out.response.status).toBe(401);
    expect(out.response.headers['www-authenticate']).toContain('insufficient_user_authentication');
  });

  it('names the cluster of kubernetes.clusters the host is', async () => {
    const yaml = testConfigYaml(issuer.url).replace('  hosts: [kube.example.com]\n', '  hosts: [kube.example.com]\n  clusters: [{ name: dublin, hosts: [kube.example.com] }]\n');
    const out = await explain(
      parseConfig(yaml, 'clusters.yaml'),
      { method: 'GET', url: 'https://kube.example.com/api/v1/namespaces/prod/secrets/db', headers: [], claims: { iss: issuer.url, sub: 'alice', acr: 'urn:stepgate:aal2', auth_time: Math.floor(Date.now() / 1000) - 60 } },
      { env },
    );
    expect(out.request).toMatchObject({ host: 'kube.example.com', cluster: 'dublin' });
  });

  it('verifies a real token against the issuer (CLI, JSON on stdout)', async () => {
    const config = join(dir, 'c.yaml');
    writeFileSync(config, testConfigYaml(issuer.url));
    const token = await issuer.token({ acr: 'urn:stepgate:aal2' });
    const run = runCli(['explain', '--config', config, '--method', 'DELETE', '--url', 'https://kube.example.com/api/v1/namespaces/prod-eu/pods/web-0', '--token', token], env);
    expect((await run.exited).code).toBe(0);
    const out = JSON.parse(run.stdout.join('\n')) as { identity: { verified: boolean; level: string }; policy: { matched_rules: string[] }; decision: { allow: boolean; reason: string } };
    expect(out.identity).toMatchObject({ verified: true, level: 'aal2' });
    expect(out.policy.matched_rules).toEqual(['prod-writes']);
    expect(out.decision).toMatchObject({ allow: true, reason: 'allowed' });
  });

  it('reports a token problem as the decision, not a crash', async () => {
    const config = join(dir, 'c2.yaml');
    writeFileSync(config, testConfigYaml(issuer.url));
    const run = runCli(['explain', '--config', config, '--url', 'https://grafana.example.com/admin', '--token', 'garbage', '--header', 'accept: text/html', '--header', 'sec-fetch-mode: navigate'], env);
    expect((await run.exited).code).toBe(0);
    const out = JSON.parse(run.stdout.join('\n')) as { decision: { reason: string }; response: { status: number; headers: Record<string, string> } };
    expect(out.decision.reason).toBe('token_malformed');
    expect(out.response.status).toBe(302);
    expect(out.response.headers.location).toContain('level=aal2');
  });

  it('shows guardrail violations for a --body-file, and the content type decides the patch format', { timeout: 300_000 }, async () => {
    const config = join(dir, 'g.yaml');
    writeFileSync(config, testConfigYaml(issuer.url, 'guardrails:\n  effects:\n    privileged_container: {require: aal3, max_age: 300, risk: 40}\n'));
    const manifest = join(dir, 'deploy.yaml');
    writeFileSync(
      manifest,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:latest\n          securityContext: {privileged: true}\n',
    );
    const url = 'https://kube.example.com/apis/apps/v1/namespaces/dev/deployments';
    const run = runCli(['explain', '--config', config, '--method', 'POST', '--url', url, '--body-file', manifest, '--token', 'x'], env);
    expect((await run.exited).code).toBe(0);
    const out = JSON.parse(run.stdout.join('\n')) as { guardrails: { violations: { code: string; path: string }[]; unreadable: string | null; effect: Record<string, unknown> } };
    expect(out.guardrails.violations.map((v) => v.code)).toEqual(['privileged_container', 'image_latest_tag']);
    expect(out.guardrails.violations[0]!.path).toBe('spec.template.spec.containers[0].securityContext.privileged');
    expect(out.guardrails.unreadable).toBeNull();
    // image_latest_tag is advisory by default: it adds its risk weight of 10, no level.
    expect(out.guardrails.effect).toEqual({ applied: ['privileged_container', 'image_latest_tag'], deny: false, required_level: 'aal3', max_age: 300, risk: 50 });
    expect((out.guardrails.violations[0] as { title?: string }).title).toBe('privileged container');

    const patch = join(dir, 'patch.json');
    writeFileSync(patch, JSON.stringify([{ op: 'add', path: '/spec/template/spec/hostNetwork', value: true }]));
    const item = `${url}/web`;
    const asPatch = runCli(['explain', '--config', config, '--method', 'PATCH', '--url', item, '--body-file', patch, '--content-type', 'application/json-patch+json', '--token', 'x'], env);
    expect((await asPatch.exited).code).toBe(0);
    const p = JSON.parse(asPatch.stdout.join('\n')) as { guardrails: { violations: { code: string }[] } };
    expect(p.guardrails.violations.map((v) => v.code)).toEqual(['host_namespace']);

    // Without --content-type a .json file is a plain object, which no PATCH accepts: unreadable.
    const guessed = runCli(['explain', '--config', config, '--method', 'PATCH', '--url', item, '--body-file', patch, '--token', 'x'], env);
    expect((await guessed.exited).code).toBe(0);
    const g = JSON.parse(guessed.stdout.join('\n')) as { guardrails: { unreadable: string; effect: { required_level: string } } };
    expect(g.guardrails).toMatchObject({ unreadable: 'body_unreadable', effect: { required_level: 'aal3' } });

    // A captured CBOR body (Kubernetes 1.32+): its bytes as they are, the type guessed from `.cbor`.
    const cbor = join(dir, 'deploy.cbor');
    writeFileSync(cbor, encodeCbor({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example.com/app:latest', securityContext: { privileged: true } }] } } } }));
    const asCbor = runCli(['explain', '--config', config, '--method', 'POST', '--url', url, '--body-file', cbor, '--token', 'x'], env);
    expect((await asCbor.exited).code).toBe(0);
    const c = JSON.parse(asCbor.stdout.join('\n')) as typeof out;
    expect(c.guardrails.violations).toEqual(out.guardrails.violations);
    expect(c.guardrails.unreadable).toBeNull();
  });

  it('has guardrails: null when the request is not one they inspect', async () => {
    const out = await explain(testConfig(issuer.url, 'guardrails: {}\n'), { method: 'GET', url: 'https://kube.example.com/api/v1/pods', headers: [] }, { env });
    expect(out.guardrails).toBeNull();
  });

  it('--url is split as text: the target is exactly the bytes given, whatever a URL parser would make of them (property)', () => {
    const unit = fc.constantFrom('/', '\\', '%', '2F', '2e', '.', '..', '?', '&', '=', ';', 'a', 'Z', '~', 'é', '@', ':', '[', '"');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 24 }), fc.constantFrom('https', 'http', 'HTTPS'), fc.constantFrom('kube.example.com', 'kube.example.com:6443', '[::1]:443'), (rest, scheme, authority) => {
        const target = `/${rest}`;
        expect(splitUrl(`${scheme}://${authority}${target}`)).toEqual({ scheme: scheme.toLowerCase(), authority, path: target });
      }),
      { numRuns: 2000 },
    );
    // What a client sends for a URL without a path.
    expect(splitUrl('https://kube.example.com').path).toBe('/');
    expect(splitUrl('https://kube.example.com?watch=1').path).toBe('/?watch=1');
  });

  it('every bad input is one line on stderr, no stack, and a documented exit status', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, testConfigYaml(issuer.url));
    const notJson = join(dir, 'claims.txt');
    writeFileSync(notJson, 'sub: alice');
    const notObject = join(dir, 'claims-array.json');
    writeFileSync(notObject, '[{"sub": "alice"}]');
    const good = join(dir, 'claims.json');
    writeFileSync(good, JSON.stringify({ iss: issuer.url, sub: 'alice', acr: 'urn:stepgate:aal2' }));
    const url = 'https://kube.example.com/api/v1/pods';
    const base = ['explain', '--config', config];
    const cases: [string[], number, RegExp][] = [
      [['explain', '--nope'], 64, /Unknown option '--nope'/],
      [[...base], 64, /explain needs --url/],
      [[...base, '--url'], 64, /--url/],
      [[...base, '--url', '/api/v1/pods'], 64, /--url must be absolute/],
      [[...base, '--url', 'kube.example.com/api/v1/pods'], 64, /--url must be absolute/],
      [[...base, '--url', 'https:///api/v1/pods'], 64, /--url has no host/],
      [[...base, '--url', `${url}#frag`], 64, /fragment/],
      [[...base, '--url', `${url} HTTP/1.1`], 64, /space or control character/],
      [[...base, '--url', url, 'stray'], 64, /positional/i],
      [[...base, '--url', url, '--header', 'no-colon'], 64, /expected name:value/],
      [[...base, '--url', url, '--header', ':authority: evil.example.com'], 64, /expected name:value|not an HTTP header name/],
      [[...base, '--url', url, '--header', 'bad name: x'], 64, /not an HTTP header name/],
      [[...base, '--url', url, '--context', 'novalue'], 64, /expected name=value/],
      [[...base, '--url', url, '--token', 'a', '--token-file', good], 64, /--token or --token-file/],
      [[...base, '--url', url, '--token', 'a', '--claims', good], 64, /or --claims, not both/],
      [[...base, '--url', url, '--token', 'a', '--header', 'authorization: Bearer b'], 64, /Authorization header/],
      [[...base, '--url', url, '--content-type', 'application/json', '--header', 'content-type: text/plain'], 64, /content type once/],
      [[...base, '--url', url, '--claims', join(dir, 'missing.json')], 66, /--claims: cannot read .*missing\.json.* \(ENOENT\)/],
      [[...base, '--url', url, '--token-file', join(dir, 'missing.jwt')], 66, /--token-file: cannot read/],
      [[...base, '--url', url, '--body-file', dir], 66, /--body-file: cannot read .* \(EISDIR\)/],
      [[...base, '--url', url, '--claims', notJson], 65, /is not valid JSON/],
      [[...base, '--url', url, '--claims', notObject], 65, /must hold one JSON object/],
      [['explain', '--config', join(dir, 'missing.yaml'), '--url', url], 66, /missing\.yaml: no such file$/m],
    ];
    for (const [args, code, message] of cases) {
      const out: string[] = [];
      const err: string[] = [];
      const status = await runCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
      const label = args.slice(1).join(' ');
      expect(status, label).toBe(code);
      expect(out, label).toEqual([]);
      const text = err.join('');
      // Config errors list their problems under one heading; everything else is exactly one line.
      if (code !== 2) expect(text.split('\n'), label).toEqual([expect.any(String), '']);
      expect(text, label).toMatch(message);
      expect(text, label).not.toMatch(/\n\s+at |Error:|node:internal/);
    }
    // The same through the real process: the status is the exit code, stderr the one line.
    const spawned = [
      runCli([...base, '--url', '/api/v1/pods']),
      runCli([...base, '--url', url, '--claims', join(dir, 'missing.json')]),
    ];
    const exits = await Promise.all(spawned.map((r) => r.exited));
    expect(exits.map((e) => e.code)).toEqual([64, 66]);
    expect(spawned[0]!.stderr).toEqual(['stepgate: --url must be absolute, scheme://host/path, got "/api/v1/pods" (stepgate help shows the usage)']);
    expect(spawned[1]!.stderr).toEqual([`stepgate: --claims: cannot read ${JSON.stringify(join(dir, 'missing.json'))} (ENOENT)`]);
    expect(spawned.map((r) => r.stdout)).toEqual([[], []]);
  }, 300_000);

  it('--claims runs without the secret of an HMAC issuer it never uses', async () => {
    const config = join(dir, 'claims.yaml');
    writeFileSync(config, testConfigYaml(issuer.url));
    const claims = join(dir, 'aal2.json');
    writeFileSync(claims, JSON.stringify({ iss: issuer.url, sub: 'alice', acr: 'urn:stepgate:aal2', auth_time: Math.floor(Date.now() / 1000) - 60 }));
    // TEST_HMAC_SECRET deliberately absent: `serve` would refuse to start without it.
    const run = runCli(['explain', '--config', config, '--url', 'https://kube.example.com/api/v1/namespaces/prod/secrets/db', '--claims', claims], { TEST_HMAC_SECRET: '' });
    expect((await run.exited).code, run.stderr.join('\n')).toBe(0);
    const out = JSON.parse(run.stdout.join('\n')) as { identity: { source: string; verified: boolean }; decision: { allow: boolean; reason: string } };
    expect(out.identity).toMatchObject({ source: 'claims', verified: false });
    expect(out.decision).toEqual(expect.objectContaining({ allow: true, reason: 'allowed' }));
  }, 300_000);
});
