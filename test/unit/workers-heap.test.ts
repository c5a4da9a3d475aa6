import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { cgroupMemoryLimit, hasHeapFlag, heapLimitMiB, planHeapLimit } from '../../src/heap-limit.js';
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

  it('derives a heap that leaves room for what is not heap, per worker, never below the minimum', () => {
    expect(heapLimitMiB(512 * MiB)).toBe(Math.floor((512 - 96) * 0.8));
    expect(heapLimitMiB(1024 * MiB, 2)).toBe(Math.floor(((1024 - 48) / 2 - 96) * 0.8));
    expect(heapLimitMiB(64 * MiB)).toBe(64);
    for (const mib of [128, 256, 384, 512, 768, 1024, 2048]) expect(heapLimitMiB(mib * MiB)).toBeLessThan(mib);
  });

  it('re-executes only when there is a limit and nobody chose a heap size', () => {
    expect(planHeapLimit({}, [], 512 * MiB)).toMatchObject({ action: 'reexec', heapMiB: heapLimitMiB(512 * MiB) });
    expect(planHeapLimit({}, [], undefined).action).toBe('keep');
    expect(planHeapLimit({}, ['--max-old-space-size=300'], 512 * MiB).action).toBe('keep');
    expect(planHeapLimit({ NODE_OPTIONS: '--trace-warnings --max_old_space_size=300' }, [], 512 * MiB).action).toBe('keep');
    expect(planHeapLimit({ STEPGATE_HEAP_LIMIT: 'off' }, [], 512 * MiB).action).toBe('keep');
    expect(planHeapLimit({ STEPGATE_HEAP_LIMIT_APPLIED: '1' }, [], 512 * MiB).action).toBe('keep');
    expect(planHeapLimit({ STEPGATE_HEAP_LIMIT: '200' }, [], undefined)).toMatchObject({ action: 'reexec', heapMiB: 200 });
    expect(planHeapLimit({ STEPGATE_HEAP_LIMIT: 'lots' }, [], undefined).action).toBe('keep');
    expect(hasHeapFlag(['--max-old-space-size', '300'], undefined)).toBe(true);
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
