import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { stopProcess } from '../support/process.js';

/**
 * test/integration/readme-cli.test.ts stops its live server with stopProcess, in finally and in
 * afterAll (a timed-out test never reaches its finally). A server deaf to SIGTERM must still die.
 */
describe('stopProcess', () => {
  it('falls back to SIGKILL when SIGTERM is ignored', async () => {
    const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(child.stdout, 'data');
      const how = await stopProcess(child, 200);
      expect(how.signal).toBe('SIGKILL');
      expect(child.exitCode === null && child.signalCode === 'SIGKILL').toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
  it('stops an ordinary process with SIGTERM and is a no-op once it has exited', async () => {
    const child = spawn(process.execPath, ['-e', "console.log('up'); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout, 'data');
    expect((await stopProcess(child, 60_000)).signal).toBe('SIGTERM');
    expect((await stopProcess(child)).signal).toBe('SIGTERM');
  });
});
