/**
 * Regenerates test/fixtures/carried-attack-bodies.jsonl: runs the guardrail unit tests with
 * test/support/record-inspect.ts, which records every whole-object create or update they judge
 * (a violation, or an unreadable body), and keeps each body once. The wrapper test
 * (test/unit/guardrails-carried.test.ts) wraps every one in every wrapper kind, so an attack body
 * added to those tests is carried too once this is run again.
 *
 *   npx tsx test/support/carried-corpus.ts
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVitest } from 'vitest/node';
import { readYaml } from '../../src/guardrails/yaml.js';

const OUT = 'test/fixtures/carried-attack-bodies.jsonl';
const MAX_BODY = 8 * 1024;
const raw = join(tmpdir(), `carried-corpus-${process.pid}.jsonl`);
process.env.STEPGATE_RECORD_INSPECT = raw;
writeFileSync(raw, '');
const files = readdirSync('test/unit')
  .filter((f) => /^guardrails.*\.test\.ts$/.test(f) && f !== 'guardrails-carried.test.ts')
  .map((f) => `test/unit/${f}`);
const vitest = await startVitest('test', files, { run: true, watch: false, setupFiles: ['test/support/record-inspect.ts'], reporters: [['default', { summary: false }]], silent: true });
await vitest.close();
const seen = new Set<string>();
const kept: string[] = [];
for (const line of readFileSync(raw, 'utf8').split('\n')) {
  if (line === '') continue;
  const { body } = JSON.parse(line) as { body: string };
  // One whole object of a bounded size: what a wrapper can carry, and what the test can afford
  // to wrap in every wrapper kind (the hostile bodies are bench/hostile-bodies.ts's matter).
  if (seen.has(body) || body.length > MAX_BODY) continue;
  const read = readYaml(body);
  if (!read.ok || read.documents.length !== 1) continue;
  const doc = read.documents[0]!;
  if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') continue;
  seen.add(body);
  kept.push(line);
}
rmSync(raw);
writeFileSync(OUT, kept.sort().join('\n') + '\n');
console.log(`${kept.length} bodies in ${OUT} (from ${files.length} files)`);
