import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { cgroupMemoryLimit, hasHeapFlag, hasSemiSpaceFlag, heapLimitMiB, launchFlags, NO_PRETENURING, planHeapLimit, semiSpaceMiB } from '../../src/heap-limit.js';
import { parseWorkers, workerMetricsListen, workerProblem } from '../../src/workers.js';
import { testConfigYaml } from '../support/config.js';

const MiB = 1048576;

describe('V8 heap limit from the cgroup memory limit (heap-limit.ts)', () => {
  const files = (entries: Record<string, string>) => (path: string) => entries[path];

  it('reads cgroup v2 memory.max, and "max" as no limit', () => {
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory.max': '536870912\n' }))).toBe(512 * MiB);
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory.max': 'max\n', '/sys/fs/cgroup/memory/memory.limit_in_bytes': '1000' }))).toBeUndefined();
  });

  it('reads cgroup v1 memory.limit_in_bytes, and its huge "unlimited" value as no limit', () => {
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '268435456' }))).toBe(256 * MiB);
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' }))).toBeUndefined();
    expect(cgroupMemoryLimit(files({}))).toBeUndefined();
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory.max': 'garbage' }))).toBeUndefined();
  });

  it('derives a heap that leaves room for the young generation and the rest, per worker, never below the minimum', () => {
    // 384 MiB (the Deployment): a 32 MiB semi-space (young generation 64), 64 other, 80 % of the rest.
    expect(heapLimitMiB(384 * MiB)).toBe(Math.floor((384 - 64 - 64) * 0.8));
    expect(heapLimitMiB(512 * MiB)).toBe(Math.floor((512 - 64 - 64) * 0.8));
    // Below 320 MiB per process the semi-space stays at V8's 16.
    expect(heapLimitMiB(256 * MiB)).toBe(Math.floor((256 - 64 - 32) * 0.8));
    expect(heapLimitMiB(1024 * MiB, 2)).toBe(Math.floor(((1024 - 48) / 2 - 64 - 64) * 0.8));
    expect(heapLimitMiB(64 * MiB)).toBe(64);
    for (const mib of [128, 256, 384, 512, 768, 1024, 2048]) {
      const young = 2 * semiSpaceMiB(mib);
      expect(heapLimitMiB(mib * MiB) + young).toBeLessThan(mib);
    }
  });

  it('sizes the semi-space from the memory a process has', () => {
    expect(semiSpaceMiB(undefined)).toBe(32);
    expect(semiSpaceMiB(384)).toBe(32);
    expect(semiSpaceMiB(319)).toBe(16);
  });

  it('re-executes with the old-space limit only under a limit or when asked, and the semi-space unless given', () => {
    expect(planHeapLimit({}, [], 384 * MiB)).toEqual({
      action: 'reexec',
      flags: [`--max-old-space-size=${heapLimitMiB(384 * MiB)}`, '--max-semi-space-size=32', NO_PRETENURING],
      heapMiB: heapLimitMiB(384 * MiB),
      semiSpaceMiB: 32,
      why: 'cgroup memory limit 384 MiB',
    });
    // No limit: 1 GiB of old space (V8's growth factor 1.6 instead of 4), unless V8's own limit is lower.
    expect(planHeapLimit({}, [], undefined, 1, 4144)).toMatchObject({ action: 'reexec', flags: ['--max-old-space-size=1024', '--max-semi-space-size=32', NO_PRETENURING], heapMiB: 1024 });
    expect(planHeapLimit({}, [], undefined, 1, 1000)).toMatchObject({ action: 'reexec', flags: ['--max-semi-space-size=32', NO_PRETENURING], heapMiB: undefined });
    expect(planHeapLimit({}, [], 256 * MiB)).toMatchObject({ flags: [`--max-old-space-size=${heapLimitMiB(256 * MiB)}`, '--max-semi-space-size=16', NO_PRETENURING] });
    // What the operator gave is kept; only the other flag is added.
    expect(planHeapLimit({}, ['--max-old-space-size=300'], 512 * MiB)).toMatchObject({ action: 'reexec', flags: ['--max-semi-space-size=32', NO_PRETENURING] });
    expect(planHeapLimit({ NODE_OPTIONS: '--trace-warnings --max_old_space_size=300' }, [], 512 * MiB)).toMatchObject({ flags: ['--max-semi-space-size=32', NO_PRETENURING] });
    expect(planHeapLimit({ NODE_OPTIONS: '--max-semi-space-size=8' }, [], 512 * MiB)).toMatchObject({
      flags: [`--max-old-space-size=${heapLimitMiB(512 * MiB, 1, 16)}`, NO_PRETENURING],
      semiSpaceMiB: undefined,
    });
    // Both sizes given: re-executed for the pretenuring flag alone, unless that is given too (either way round).
    expect(planHeapLimit({ NODE_OPTIONS: '--max-semi-space-size=8' }, ['--max-old-space-size=300'], 512 * MiB)).toMatchObject({ action: 'reexec', flags: [NO_PRETENURING] });
    expect(planHeapLimit({ NODE_OPTIONS: '--max-semi-space-size=8' }, ['--max-old-space-size=300', '--allocation-site-pretenuring'], 512 * MiB).action).toBe('keep');
    expect(planHeapLimit({}, ['--no-allocation-site-pretenuring'], 512 * MiB)).toMatchObject({ flags: [`--max-old-space-size=${heapLimitMiB(512 * MiB)}`, '--max-semi-space-size=32'] });
    expect(planHeapLimit({ STEPGATE_HEAP_LIMIT: 'off' }, [], 512 * MiB).action).toBe('keep');
    expect(planHeapLimit({ STEPGATE_HEAP_LIMIT_APPLIED: '1' }, [], 512 * MiB).action).toBe('keep');
    expect(planHeapLimit({ STEPGATE_HEAP_LIMIT: '200' }, [], undefined)).toMatchObject({ action: 'reexec', flags: ['--max-old-space-size=200', '--max-semi-space-size=32', NO_PRETENURING] });
    expect(planHeapLimit({ STEPGATE_HEAP_LIMIT: 'lots' }, [], undefined)).toMatchObject({ flags: ['--max-semi-space-size=32', NO_PRETENURING] });
    expect(planHeapLimit({ STEPGATE_HEAP_LIMIT: 'lots' }, [], undefined).why).toContain('ignored');
    expect(planHeapLimit({ NODE_OPTIONS: '--max-semi-space-size=16' }, [], undefined, 1, 4144)).toMatchObject({ flags: ['--max-old-space-size=1024', NO_PRETENURING] });
    expect(hasHeapFlag(['--max-old-space-size', '300'], undefined)).toBe(true);
    expect(hasSemiSpaceFlag([], '--min-semi-space-size=16')).toBe(true);
    expect(hasSemiSpaceFlag(['--max-old-space-size=1'], undefined)).toBe(false);
  });

  it('gives the launch flags for a fake cgroup file (what bench/run.ts starts the server with)', () => {
    const limit = cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory.max': String(384 * MiB) }));
    expect(launchFlags({}, limit, 4144)).toEqual([`--max-old-space-size=${heapLimitMiB(384 * MiB)}`, '--max-semi-space-size=32', NO_PRETENURING]);
    expect(launchFlags({}, cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory.max': 'max' })), 4144)).toEqual(['--max-old-space-size=1024', '--max-semi-space-size=32', NO_PRETENURING]);
    expect(launchFlags({ STEPGATE_HEAP_LIMIT: 'off' }, limit, 4144)).toEqual([]);
  });

  it('gives only flags this node accepts (a flag it rejects would stop `serve` at the re-execution)', () => {
    const flags = launchFlags({}, 384 * MiB, 4144);
    const r = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write(process.execArgv.slice(0, -2).join(" "))'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(flags.join(' '));
  });
});

describe('--workers (workers.ts)', () => {
  const config = (extra: string) => parseConfig(testConfigYaml('https://idp.example.com', extra), 'test.yaml');

  it('needs Redis state for more than one worker whenever state is used', () => {
    expect(workerProblem(config(''), 1)).toBeUndefined();
    expect(workerProblem(config(''), 2)).toContain('state.store: redis');
    expect(workerProblem(config('state:\n  store: redis\n  redis: { url: "redis://127.0.0.1:6379" }\n'), 2)).toBeUndefined();
  });

  it('parses the worker count strictly', () => {
    expect(parseWorkers(undefined)).toBe(1);
    expect(parseWorkers('2')).toBe(2);
    for (const bad of ['0', '-1', '1.5', '', 'x', '65']) expect(() => parseWorkers(bad)).toThrow(/--workers/);
  });

  it('gives each worker its own metrics port', () => {
    expect(workerMetricsListen('0.0.0.0:9464', 1)).toBe('0.0.0.0:9464');
    expect(workerMetricsListen('0.0.0.0:9464', 3)).toBe('0.0.0.0:9466');
    expect(workerMetricsListen('[::]:9464', 2)).toBe('[::]:9465');
    expect(workerMetricsListen('off', 2)).toBe('off');
    expect(workerMetricsListen('127.0.0.1:0', 2)).toBe('127.0.0.1:0');
  });
});
