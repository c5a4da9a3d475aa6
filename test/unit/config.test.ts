import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigFileUnreadable, loadConfigFile, parseConfig } from '../../src/config/load.js';
import { configProblems } from '../support/config.js';

const VALID = `issuers:
  - issuer: https://idp.example.com
    audiences: [kubernetes]
assurance:
  levels:
    - name: aal1
      acr: [a1]
    - name: aal2
      acr: [a2]
policy:
  default:
    require: aal1
  rules:
    - name: secrets
      match:
        kubernetes:
          resources: [secrets]
      require: aal2
      max_age: 300
`;

const problems = (text: string) => configProblems(text, 'policy.yaml');

describe('config validation', () => {
  it('accepts the bundled example and fills defaults', () => {
    const cfg = loadConfigFile(new URL('../../examples/stepgate.yaml', import.meta.url).pathname);
    expect(cfg.server.grpc_listen).toBe('0.0.0.0:9191');
    expect(cfg.policy.rules.map((r) => r.name)).toEqual(
      expect.arrayContaining(['secrets', 'pod-shell', 'rbac-writes', 'prod-writes', 'grafana-admin']),
    );
    expect(Object.isFrozen(cfg.policy.rules[0])).toBe(true);
  });

  it('takes the proxies that append to x-forwarded-for as CIDRs, and refuses them beside a hop count', () => {
    const listed = `${VALID}network:\n  xff_trusted_cidrs: [10.60.0.0/16]\n`;
    expect(parseConfig(listed, 'policy.yaml').network.xff_trusted_cidrs).toEqual(['10.60.0.0/16']);
    expect(problems(`${VALID}network:\n  xff_trusted_cidrs: [10.60.0.0/33]\n`)[0]).toMatchObject({ field: 'network.xff_trusted_cidrs[0]' });
    const [both] = problems(`${VALID}network:\n  xff_num_trusted_hops: 1\n  xff_trusted_cidrs: [10.60.0.0/16]\n`);
    expect(both).toMatchObject({ field: 'network.xff_trusted_cidrs' });
    expect(both!.message).toContain('xff_num_trusted_hops');
  });

  it('names file, line and field for a misspelt key', () => {
    const [p] = problems(VALID.replace('resources: [secrets]', 'resource: [secrets]'));
    expect(p).toMatchObject({ file: 'policy.yaml', line: 17, field: 'policy.rules[0].match.kubernetes.resource' });
  });

  it('names line and field for a wrong type', () => {
    const [p] = problems(VALID.replace('max_age: 300', 'max_age: soon'));
    expect(p).toMatchObject({ line: 19, field: 'policy.rules[0].max_age' });
  });

  it('names the line of a reference to an unknown level', () => {
    const [p] = problems(VALID.replace('require: aal2', 'require: aal9'));
    expect(p).toMatchObject({ line: 18, field: 'policy.rules[0].require' });
    expect(p!.message).toContain('unknown level "aal9"');
  });

  it('takes a level\'s amr as one set or as alternative sets, and names the field of a mix', () => {
    const alt = VALID.replace('      acr: [a2]\n', '      acr: [a2]\n      amr: [[hwk, mfa], [fido]]\n');
    expect(parseConfig(alt, 'policy.yaml').assurance.levels[1]!.amr).toEqual([['hwk', 'mfa'], ['fido']]);
    const [mixed] = problems(VALID.replace('      acr: [a2]\n', '      acr: [a2]\n      amr: [hwk, [fido]]\n'));
    expect(mixed).toMatchObject({ line: 10, field: 'assurance.levels[1].amr' });
    expect(mixed!.message).toContain('not a mix');
    const [empty] = problems(VALID.replace('      acr: [a2]\n', '      acr: [a2]\n      amr: [[hwk], []]\n'));
    expect(empty).toMatchObject({ field: expect.stringMatching(/^assurance\.levels\[1\]\.amr/) });
  });

  // issuers[].history_of (day 32): the old identity provider must be listed, and be another one
  // that carries no history over itself.
  it('names the line of an issuers[].history_of that names no listed issuer, the issuer itself, or a chain', () => {
    const two = (first: string, second: string) => VALID.replace('    audiences: [kubernetes]\n', `    audiences: [kubernetes]\n${first}  - issuer: https://login.example.net/t/v2.0\n    audiences: [k8s]\n${second}`);
    expect(parseConfig(two('', '    history_of: { issuer: https://idp.example.com, claim: old_sub }\n'), 'policy.yaml').issuers[1]!.history_of).toEqual({ issuer: 'https://idp.example.com', claim: 'old_sub' });
    const [unknown] = problems(two('', '    history_of: { issuer: https://old.example.com, claim: old_sub }\n'));
    expect(unknown).toMatchObject({ line: 6, field: 'issuers[1].history_of.issuer', message: expect.stringMatching(/is not a configured issuer/) });
    const [self] = problems(two('', '    history_of: { issuer: https://login.example.net/t/v2.0, claim: old_sub }\n'));
    expect(self).toMatchObject({ line: 6, field: 'issuers[1].history_of.issuer', message: expect.stringMatching(/this issuer itself/) });
    const chain = problems(two('    history_of: { issuer: https://login.example.net/t/v2.0, claim: a }\n', '    history_of: { issuer: https://idp.example.com, claim: b }\n'));
    expect(chain.map((p) => p.field)).toEqual(['issuers[0].history_of.issuer', 'issuers[1].history_of.issuer']);
    expect(problems(two('', '    history_of: { issuer: https://idp.example.com }\n'))[0]).toMatchObject({ field: 'issuers[1].history_of.claim' });
  });

  // Day 32: an Entra ID multi-tenant endpoint's discovery document names `{tenantid}` as its issuer.
  it("names the line of an issuer that is a tenant template or Entra's multi-tenant endpoint", () => {
    for (const bad of ['https://login.microsoftonline.com/{tenantid}/v2.0', 'https://login.microsoftonline.com/%7Btenantid%7D/v2.0', 'https://login.microsoftonline.com/common/v2.0', 'https://login.microsoftonline.com/organizations/v2.0', 'https://sts.windows.net/common/']) {
      const [p] = problems(VALID.replace('issuer: https://idp.example.com', `issuer: ${bad}`));
      expect(p, bad).toMatchObject({ line: 2, field: 'issuers[0].issuer', message: expect.stringMatching(/list your own tenant's issuer exactly/) });
    }
    expect(() => parseConfig(VALID.replace('issuer: https://idp.example.com', 'issuer: https://login.microsoftonline.com/5f3c1a9e-7b42-4d1e-9a6c-2e8b0d4f7c31/v2.0'), 'policy.yaml')).not.toThrow();
  });

  it('points a missing required field at its parent', () => {
    const [p] = problems(VALID.replace('    audiences: [kubernetes]\n', ''));
    expect(p).toMatchObject({ line: 2, field: 'issuers[0].audiences', message: 'required field is missing' });
  });

  it('reports YAML syntax errors with their line', () => {
    const [p] = problems(`${VALID}  bad: [unclosed\n`);
    expect(p!.line).toBeGreaterThanOrEqual(20);
    expect(p!.message).toMatch(/^YAML syntax/);
  });

  it.each(['clusters/*', '/clusters/*/', '/clusters/c*', '/clusters//x', ''])('a kubernetes.proxies prefix of %o is refused with the field named', (prefix) => {
    const [p] = problems(`${VALID}kubernetes:\n  proxies:\n    - { hosts: [headlamp.example.com], prefix: "${prefix}" }\n`);
    expect(p).toMatchObject({ field: 'kubernetes.proxies[0].prefix' });
  });

  it('rejects duplicate keys', () => {
    expect(problems(VALID.replace('      max_age: 300', '      max_age: 300\n      max_age: 5'))[0]!.message).toMatch(/unique|duplicate/i);
  });

  it.each([
    ['alg none', 'audiences: [kubernetes]', 'audiences: [kubernetes]\n    algorithms: [none]', 'issuers[0].algorithms[0]'],
    ['HMAC without a secret', 'audiences: [kubernetes]', 'audiences: [kubernetes]\n    algorithms: [HS256]', 'issuers[0].algorithms'],
    ['HMAC mixed with RSA', 'audiences: [kubernetes]', 'audiences: [kubernetes]\n    algorithms: [HS256, RS256]\n    hmac_secret_env: S', 'issuers[0].algorithms'],
    ['no audience', 'audiences: [kubernetes]', 'audiences: []', 'issuers[0].audiences'],
    ['level without acr', '      acr: [a2]', '      acr: []', 'assurance.levels[1].acr'],
    ['deny and require together', '      require: aal2\n', '      require: aal2\n      deny: true\n', 'policy.rules[0].deny'],
    ['rule without effect', '      require: aal2\n      max_age: 300\n', '', 'policy.rules[0].require'],
    ['message on a rule that does not deny', '      require: aal2\n', '      require: aal2\n      message: nope\n', 'policy.rules[0].message'],
    ['a header limit above the total', 'policy:', 'limits:\n  max_header_bytes: 200000\npolicy:', 'limits.max_header_bytes'],
    ['identity header outside x-stepgate-', 'policy:', 'identity_headers:\n  subject: x-user\npolicy:', 'identity_headers.subject'],
  ])('rejects %s', (_name, from, to, field) => {
    const ps = problems(VALID.replace(from, to));
    expect(ps.map((p) => p.field)).toContain(field);
    for (const p of ps) expect(p.line).toBeGreaterThan(0);
  });

  it('names the file when it cannot be read, and says why in words', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-'));
    for (const [file, why] of [
      ['/nonexistent/stepgate.yaml', 'no such file'],
      [join(dir, 'missing.yaml'), 'no such file'],
      [dir, 'is a directory, not a file'],
      [join(dir, 'missing', 'below.yaml'), 'no such file'],
    ] as const) {
      expect(() => loadConfigFile(file)).toThrow(ConfigFileUnreadable);
      expect(() => loadConfigFile(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: ${why}$`));
    }
  });

  it.each([
    ['a nested mapping', '      max_age: 300', '      max_age: 300\n      max_age: 5', 'policy.rules[0].max_age', 'max_age', 19],
    ['the top level', 'policy:', 'log: {level: info}\nlog: {level: warn}\npolicy:', 'log', 'log', undefined],
    ['a flow mapping', '    audiences: [kubernetes]', '    audiences: [kubernetes]\n    x: {a: 1, a: 2}', 'issuers[0].x.a', 'a', undefined],
    ['a quoted key equal to a plain one', '      max_age: 300', '      max_age: 300\n      "max_age": 5', 'policy.rules[0].max_age', 'max_age', 19],
  ])('names the duplicate key in %s, with both lines', (_name, from, to, field, key, firstLine) => {
    const ps = problems(VALID.replace(from, to));
    const dup = ps.find((p) => p.message.startsWith('duplicate key'));
    expect(dup, JSON.stringify(ps)).toBeDefined();
    expect(dup!.field).toBe(field);
    expect(dup!.message).toMatch(new RegExp(`^duplicate key "${key}" \\(first given at line \\d+\\)`));
    if (firstLine !== undefined) {
      expect(dup!.message).toContain(`line ${firstLine})`);
      expect(dup!.line).toBe(firstLine + 1);
    }
  });

  it('formats problems as file:line:column: field: message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, VALID.replace('max_age: 300', 'max_age: -1'));
    expect(() => loadConfigFile(file)).toThrow(new RegExp(`^${file}:19:\\d+: policy\\.rules\\[0\\]\\.max_age: `));
  });
});
