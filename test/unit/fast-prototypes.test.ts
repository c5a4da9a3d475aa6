import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * src/state/fast-prototypes.ts: the prototypes of primitive values keep fast properties in a
 * process that has loaded the whole service (ioredis included), so optimised code inlines string
 * methods. Asked of V8 itself (%HasFastProperties) in a child process, where the flag that allows
 * it does not reach the test runner.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROTOTYPES = ['String', 'Number', 'Boolean', 'BigInt', 'Symbol', 'Object', 'Array', 'Function'];

/** Which of PROTOTYPES have fast properties after importing `modules`, in a fresh process. */
function fastAfter(modules: string[]): Record<string, boolean> {
  const script = [
    "const fast = new Function('o', 'return %HasFastProperties(o)');",
    `for (const m of ${JSON.stringify(modules)}) await import(m);`,
    `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(PROTOTYPES)}.map((n) => [n, fast(globalThis[n].prototype)]))));`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 85_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, boolean>;
}

const ALL_FAST = Object.fromEntries(PROTOTYPES.map((n) => [n, true]));

describe('prototypes of primitive values stay fast', () => {
  // Compiling the whole service through tsx in the child takes over 20 s on a loaded machine.
  it('after the whole service is loaded', () => {
    expect(fastAfter([new URL('../../src/main.ts', import.meta.url).href])).toEqual(ALL_FAST);
  }, 90_000);

  it('after the Redis store alone is loaded', () => {
    expect(fastAfter([new URL('../../src/state/redis.ts', import.meta.url).href])).toEqual(ALL_FAST);
  });

  // The cause, checked so that the two tests above cannot pass by V8 answering true regardless:
  // when this fails, ioredis no longer subclasses String and fast-prototypes.ts can go.
  it('is needed: ioredis alone leaves String.prototype a dictionary', () => {
    expect(fastAfter(['ioredis'])).toEqual({ ...ALL_FAST, String: false });
  });
});
