import { describe, expect, it } from 'vitest';
import { keysRun, pathsRun, RUN_BY_SHEBANG } from '../../src/guardrails/rules/run-scripts.js';

/** Which files a container's command runs, and which ConfigMap/Secret keys those are (rules/run-scripts.ts). */
describe('pathsRun: the files a command runs', () => {
  it.each([
    ['the program itself', ['/scripts/run'], [['/scripts/run', RUN_BY_SHEBANG]]],
    ['a relative program', ['./run'], [['./run', RUN_BY_SHEBANG]]],
    ['after a shell', ['sh', '/scripts/run'], [['/scripts/run', 'sh']]],
    ['after a shell with options', ['bash', '-e', '-x', '/scripts/run', 'arg'], [['/scripts/run', 'sh']]],
    ['after an interpreter with options', ['python3', '-u', '/app/main'], [['/app/main', 'python3']]],
    ['after exec and env', ['exec', 'env', 'A=b', '/scripts/run'], [['/scripts/run', RUN_BY_SHEBANG]]],
    ['. in a -c script', ['sh', '-c', 'set -e; . /cfg/env; exec app'], [['/cfg/env', 'sh']]],
    ['source and a pipeline', ['bash', '-ec', 'source /cfg/a && /cfg/b | tee x'], [['/cfg/a', 'sh'], ['/cfg/b', RUN_BY_SHEBANG]]],
    ['a substitution read in as code', ['bash', '-c', 'eval "$(cat /cfg/entry)"'], [['/cfg/entry', 'sh']]],
    ['$(< file)', ['bash', '-c', '$(< /cfg/entry)'], [['/cfg/entry', 'sh']]],
    // review47b: runners in front of the shell, and a script given on stdin.
    ['timeout in front', ['timeout', '300', 'sh', '/cfg/run.conf'], [['/cfg/run.conf', 'sh']]],
    ['nice -n in front', ['nice', '-n', '5', 'bash', '/cfg/run.conf'], [['/cfg/run.conf', 'sh']]],
    ['busybox sh', ['busybox', 'sh', '/cfg/run.conf'], [['/cfg/run.conf', 'sh']]],
    ['env -i in front', ['env', '-i', 'python3', '/cfg/main.txt'], [['/cfg/main.txt', 'python3']]],
    ['gosu in a -c script', ['sh', '-c', 'gosu app sh /cfg/run.conf'], [['/cfg/run.conf', 'sh']]],
    ['sh -o pipefail', ['bash', '-o', 'pipefail', '/cfg/run.conf'], [['/cfg/run.conf', 'sh']]],
    ['sh < file', ['sh', '-c', 'sh < /cfg/run.conf'], [['/cfg/run.conf', 'sh']]],
    ['sh -s <file', ['sh', '-c', 'exec bash -s </cfg/run.conf'], [['/cfg/run.conf', 'sh']]],
    ['<file sh', ['sh', '-c', '</cfg/run.conf sh'], [['/cfg/run.conf', 'sh']]],
    ['cat file | sh', ['sh', '-c', 'cat /cfg/run.conf | sh'], [['/cfg/run.conf', 'sh']]],
  ])('%s', (_name, argv, expected) => {
    expect(new Set(pathsRun(argv).map(([p, i]) => `${p} ${i}`))).toEqual(new Set(expected.map(([p, i]) => `${p} ${i}`)));
  });

  it.each([
    ['a file handed to a program as configuration', ['nginx', '-c', '/cfg/nginx.conf']],
    ['python3 -c code, no file', ['python3', '-c', 'print(1)']],
    ['python3 -m a module', ['python3', '-m', 'http.server']],
    ['a program found on the PATH', ['redis-server', '/cfg/redis.conf']],
    ['an expanded path', ['sh', '$SCRIPT']],
    ['a file cat prints, not piped to a shell', ['sh', '-c', 'cat /cfg/motd.txt | tee /dev/stderr; exec app']],
    ['a heredoc', ['sh', '-c', 'sh <<EOF']],
  ])('none for %s', (_name, argv) => {
    expect(pathsRun(argv)).toEqual([]);
  });
});

describe('keysRun: the keys behind the files', () => {
  const pod = (command: string[], volumes: unknown[], mounts: unknown[], workingDir?: string) => ({ kind: 'Pod', spec: { containers: [{ name: 'c', command, volumeMounts: mounts, ...(workingDir !== undefined && { workingDir }) }], volumes } });
  const keys = (doc: unknown) => Object.fromEntries([...keysRun([doc as never])].map(([k, v]) => [k, Object.fromEntries(v)]));

  it('maps a mount, items, subPath, projected sources and a Secret', () => {
    expect(keys(pod(['sh', '/a/run'], [{ name: 'a', configMap: { name: 'cm' } }], [{ name: 'a', mountPath: '/a/' }]))).toEqual({ 'ConfigMap/cm': { run: 'sh' } });
    expect(keys(pod(['/a/run.sh'], [{ name: 'a', configMap: { name: 'cm', items: [{ key: 'x', path: 'run.sh' }] } }], [{ name: 'a', mountPath: '/a' }]))).toEqual({ 'ConfigMap/cm': { x: RUN_BY_SHEBANG } });
    expect(keys(pod(['sh', '/entry'], [{ name: 'a', secret: { secretName: 's' } }], [{ name: 'a', mountPath: '/entry', subPath: 'k' }]))).toEqual({ 'Secret/s': { k: 'sh' } });
    expect(keys(pod(['sh', '/a/run'], [{ name: 'a', projected: { sources: [{ configMap: { name: 'cm' } }, { secret: { name: 's' } }] } }], [{ name: 'a', mountPath: '/a' }]))).toEqual({ 'ConfigMap/cm': { run: 'sh' }, 'Secret/s': { run: 'sh' } });
    expect(keys(pod(['sh', 'run'], [{ name: 'a', configMap: { name: 'cm' } }], [{ name: 'a', mountPath: '/a' }], '/a'))).toEqual({ 'ConfigMap/cm': { run: 'sh' } });
  });

  it('maps nothing outside the mount, through a deeper path, or with items that do not list the file', () => {
    expect(keys(pod(['sh', '/b/run'], [{ name: 'a', configMap: { name: 'cm' } }], [{ name: 'a', mountPath: '/a' }]))).toEqual({});
    expect(keys(pod(['sh', '/a/d/run'], [{ name: 'a', configMap: { name: 'cm' } }], [{ name: 'a', mountPath: '/a' }]))).toEqual({});
    expect(keys(pod(['sh', '/a/run'], [{ name: 'a', configMap: { name: 'cm', items: [{ key: 'x', path: 'other' }] } }], [{ name: 'a', mountPath: '/a' }]))).toEqual({});
  });
});
