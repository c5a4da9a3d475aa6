import { describe, expect, it } from 'vitest';
import { ConfigFileWatcher } from '../../src/config/watch.js';

/** A watcher whose reads return `contents` in turn (the last one from then on), and what it applied. */
function watcherOver(contents: string[], initial = 'v0') {
  const applied: string[] = [];
  const errors: Error[] = [];
  let i = 0;
  const read = async () => contents[Math.min(i++, contents.length - 1)]!;
  const w = new ConfigFileWatcher('/config.yaml', (t) => applied.push(t), (e) => errors.push(e), 0, read);
  w.start(0, initial);
  return { w, applied, errors, reads: () => i, more: (c: string[]) => { contents = c; i = 0; } };
}

describe('ConfigFileWatcher', () => {
  it('applies a changed file once it reads the same twice', async () => {
    const { w, applied } = watcherOver(['v1', 'v1']);
    await w.check();
    expect(applied).toEqual(['v1']);
    // Unchanged since: nothing more.
    await w.check();
    expect(applied).toEqual(['v1']);
  });

  it('never applies a file caught while it is written: a prefix that parses is not a policy', async () => {
    const full = 'policy:\n  rules:\n    - name: a\n    - name: b\n';
    const cut = full.slice(0, full.indexOf('    - name: b'));
    const { w, applied } = watcherOver([cut, full, full]);
    await w.check();
    expect(applied).toEqual([full]);
  });

  it('leaves a file that keeps changing to the next look, then applies it', async () => {
    const s = watcherOver(['a', 'ab', 'abc', 'abcd', 'abcde']);
    await s.w.check();
    expect(s.applied).toEqual([]);
    s.more(['abcde', 'abcde']);
    await s.w.check();
    expect(s.applied).toEqual(['abcde']);
  });

  it('reports a read that fails and keeps what is in force', async () => {
    const applied: string[] = [];
    const errors: Error[] = [];
    const w = new ConfigFileWatcher('/config.yaml', (t) => applied.push(t), (e) => errors.push(e), 0, async () => {
      throw new Error('ENOENT');
    });
    await w.check();
    expect(applied).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual(['ENOENT']);
  });
});
