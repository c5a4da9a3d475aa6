import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { explain } from '../../src/explain.js';

/**
 * The README's `stepgate explain` section quotes a run against the bundled example and "the full
 * shape" of explain's JSON. Both are printed again here by explain's own code: the run's selected
 * fields must be what it prints (the clock is fixed so that the sign-in is the README's 123 s old),
 * and every object of the shape must have exactly the keys explain prints, so that a field added
 * or renamed in explain cannot leave the README describing an older output.
 */

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## `stepgate explain`'), readme.indexOf('## `stepgate check`'));
const EXAMPLE = new URL('../../examples/stepgate.yaml', import.meta.url).pathname;
const NOW = Date.parse('2026-12-04T06:30:00Z');

/** The README's run: DELETE of a pod in prod-eu with claims.json (aal1, signed in 123 s before), from the office. */
async function run() {
  const claims = { iss: 'http://127.0.0.1:9000', sub: 'alice@example.com', acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: NOW / 1000 - 123, groups: ['engineers'] };
  return await explain(
    loadConfigFile(EXAMPLE),
    { method: 'DELETE', url: 'https://kube.localhost/api/v1/namespaces/prod-eu/pods/web-0', headers: [], claims, source: '10.20.4.17' },
    { now: () => NOW },
  );
}
type Fields = Record<string, unknown>;

/** The JSON after the `| jq '…'` command of the console block, and the jq selection, done by hand. */
function quotedRun(): unknown {
  const block = /```console\n\$ node dist\/cli\.js explain --config examples\/stepgate\.yaml --method DELETE[\s\S]*?\n(\{[\s\S]*?\n\})\n```/.exec(section);
  expect(block, 'the console block of the real run').not.toBeNull();
  return JSON.parse(block![1]!);
}

/** "The full shape" as JSON: comments dropped, `{ … }` an empty object. */
function quotedShape(): Record<string, unknown> {
  const block = /The full shape:\n\n```jsonc\n([\s\S]*?)```/.exec(section);
  expect(block, 'the jsonc block').not.toBeNull();
  const json = block![1]!
    .replace(/(^|\s)\/\/.*$/gm, '$1')
    .replace(/\{ … \}/g, '{}');
  return JSON.parse(json) as Record<string, unknown>;
}

/** Where the shape and the output both have an object, the keys that differ (path: missing / extra). */
function keyDifferences(shape: unknown, real: unknown, path = '$'): string[] {
  if (Array.isArray(shape) && Array.isArray(real)) return shape.length > 0 && real.length > 0 ? keyDifferences(shape[0], real[0], `${path}[0]`) : [];
  if (!isObject(shape) || !isObject(real)) return [];
  // `body` is the denial body, documented in docs/reason-codes.md; the shape elides it.
  if (Object.keys(shape).length === 0) return [];
  const out: string[] = [];
  for (const k of Object.keys(real)) if (!(k in shape)) out.push(`${path}.${k}: printed, not in the README`);
  for (const k of Object.keys(shape)) {
    if (!(k in real)) out.push(`${path}.${k}: in the README, not printed`);
    else out.push(...keyDifferences(shape[k], real[k], `${path}.${k}`));
  }
  return out;
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

describe('README: stepgate explain', () => {
  it('the real run against examples/stepgate.yaml prints what the README quotes', async () => {
    const out = await run();
    const pick = (o: Fields, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
    expect({
      identity: pick(out.identity!, ['source', 'verified', 'level', 'auth_age_seconds']),
      policy: out.policy,
      risk: { ...pick(out.risk!, ['score', 'band']), reasons: out.risk!.reasons.map((r) => r.code) },
      decision: pick(out.decision, ['allow', 'reason', 'detail']),
      status: out.response.status,
    }).toEqual(quotedRun());
  });

  it('"the full shape" has every key explain prints, and no other', async () => {
    const out = await run();
    // The README's shape shows a guardrail violation and a risk reason; the run has both kinds of object.
    expect(keyDifferences(quotedShape(), JSON.parse(JSON.stringify(out)))).toEqual([]);
  });
});
