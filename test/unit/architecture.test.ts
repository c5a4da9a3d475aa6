import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The layer order lives in .dependency-cruiser.cjs (npm run depcheck enforces it); this keeps the
// folders on disk and docs/architecture.md in step with that list.
const ROOT = new URL('../../', import.meta.url).pathname;
const { LAYERS } = createRequire(import.meta.url)(`${ROOT}.dependency-cruiser.cjs`) as { LAYERS: [string, string][] };

/** Every folder a file of src/ sits in, as `server/grpc` or `risk/signals`. */
function folders(dir = 'src', out = new Set<string>()): Set<string> {
  for (const e of readdirSync(`${ROOT}${dir}`, { withFileTypes: true })) {
    if (e.isDirectory()) folders(`${dir}/${e.name}`, out);
    else if (e.name.endsWith('.ts') && dir !== 'src') out.add(dir.slice('src/'.length));
  }
  return out;
}

describe('the layer order', () => {
  it('places every folder of src/ in exactly one layer', () => {
    for (const folder of folders()) {
      const file = `src/${folder}/x.ts`;
      const layers = LAYERS.filter(([, re]) => new RegExp(re).test(file)).map(([name]) => name);
      expect(layers, folder).toHaveLength(1);
    }
    expect(LAYERS.filter(([, re]) => new RegExp(re).test('src/main.ts')).map(([n]) => n)).toEqual(['app']);
  });

  it('is the order docs/architecture.md shows', () => {
    const doc = readFileSync(`${ROOT}docs/architecture.md`, 'utf8');
    const rows = doc.split('\n').filter((l) => l.startsWith('| `') && !l.startsWith('| `npm'));
    const named = rows.map((l) => [...l.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    // One table row per layer, top first, naming folders that layer's pattern matches.
    expect(named).toHaveLength(LAYERS.length);
    named.forEach((names, i) => {
      const [layer, re] = LAYERS[i]!;
      for (const n of names) {
        const path = n.startsWith('src/') ? n : `src/${n}`;
        const file = path.endsWith('.ts') ? path.replace('*', 'x') : `${path.replace(/\/$/, '')}/x.ts`;
        expect(new RegExp(re).test(file), `${n} in layer ${layer}`).toBe(true);
      }
    });
  });
});
