import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containers, get, one, renderKustomization, ROOT, type Obj } from './manifests.js';

/**
 * No Docker engine runs here, so the Dockerfile is read, not built: its build stage must run
 * scripts/build.sh (which test/deploy/build.test.ts runs for real), and its runtime stage must be
 * what deploy/ expects of the image.
 */

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  body: Instruction[];
}

/** Instructions by stage, with line continuations joined, comments dropped, ARGs before FROM resolved. */
function parseDockerfile(text: string): { stages: Stage[]; globalArgs: Map<string, string> } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const [, image, name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      const from = image!.replace(/\$\{?(\w+)\}?/g, (_, v: string) => globalArgs.get(v) ?? '');
      stages.push({ from, ...(name ? { name } : {}), body: [] });
    } else if (stages.length === 0) {
      if (op !== 'ARG') throw new Error(`Dockerfile: only ARG may come before the first FROM, found ${op}`);
      const [k, v = ''] = args.split('=');
      globalArgs.set(k!, v);
    } else {
      stages.at(-1)!.body.push({ op, args });
    }
  }
  return { stages, globalArgs };
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const ops = (stage: Stage, op: string) => stage.body.filter((i) => i.op === op);
const execForm = (args: string) => JSON.parse(args) as string[];

const deployment = one(renderKustomization('deploy/base').objects, 'Deployment', 'stepgate');
const podSpec = get<Obj>(deployment, 'spec.template.spec');
const container = containers(podSpec).find((c) => c.name === 'stepgate')!;

describe('Dockerfile', () => {
  it('is multi-stage, and the build stage runs scripts/build.sh', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const build = dockerfile.stages.find((s) => ops(s, 'RUN').some((r) => /\bbash scripts\/build\.sh\b/.test(r.args)));
    expect(build, 'a stage that runs bash scripts/build.sh').toBeDefined();
    expect(build).not.toBe(runtime);
    // The runtime stage takes the script's output folder from that stage, and runs nothing itself.
    const out = /\bOUT=(\S+)/.exec(ops(build!, 'RUN').map((r) => r.args).join(' '))?.[1];
    expect(out, 'build.sh is given an OUT folder').toBeDefined();
    const copies = ops(runtime, 'COPY').filter((c) => c.args.includes(`--from=${build!.name}`));
    expect(copies.some((c) => c.args.split(/\s+/).includes(`${out}/`) || c.args.split(/\s+/).includes(out!))).toBe(true);
    expect(ops(runtime, 'RUN')).toEqual([]);
  });

  it('runs on a current Node.js LTS slim image, no older than package.json allows', () => {
    const m = /^node:(\d+)(?:\.\d+)*-[a-z]+-slim(?:@sha256:[0-9a-f]{64})?$/.exec(runtime.from);
    expect(m, `runtime image ${runtime.from}`).not.toBeNull();
    const major = Number(m![1]);
    // The Node.js release schedule (github.com/nodejs/Release): the line that is Active LTS today is
    // the one to build on, not one already in maintenance. Lines added here as they are promoted.
    const activeLtsSince: [number, string][] = [
      [22, '2024-10-29'],
      [24, '2025-10-28'],
      [26, '2026-10-28'],
    ];
    const today = new Date().toISOString().slice(0, 10);
    const active = activeLtsSince.filter(([, since]) => since <= today).at(-1)![0];
    if (major <= activeLtsSince.at(-1)![0]) expect(activeLtsSince.map(([n]) => n), 'an LTS line').toContain(major);
    expect(major, `Node.js ${active} is the Active LTS line since ${activeLtsSince.find(([n]) => n === active)![1]}`).toBeGreaterThanOrEqual(active);
    const engines = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(major).toBeGreaterThanOrEqual(Number(/\d+/.exec(engines.engines.node)![0]));
    expect(major).toBeGreaterThanOrEqual(22);
  });

  it('runs as a numeric non-root user, the one the Deployment runs as', () => {
    const users = ops(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const [uid, gid] = users.at(-1)!.args.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(uid)).toBe(get(podSpec, 'securityContext.runAsUser'));
    if (gid !== undefined) expect(Number(gid)).toBe(get(podSpec, 'securityContext.runAsGroup'));
  });

  it('starts node dist/cli.js directly (no npm, no shell), serving the config path the Deployment mounts', () => {
    const entrypoint = execForm(ops(runtime, 'ENTRYPOINT').at(-1)!.args);
    const cmd = execForm(ops(runtime, 'CMD').at(-1)!.args);
    expect(entrypoint).toEqual(['node', 'dist/cli.js']);
    expect(cmd).toEqual(['serve', '--config', '/etc/stepgate/stepgate.yaml']);
    expect(container.args).toEqual(cmd);
    expect(container.command).toBeUndefined(); // keeps the image's ENTRYPOINT
  });

  it('exposes exactly the ports the container declares', () => {
    const exposed = ops(runtime, 'EXPOSE').flatMap((e) => e.args.split(/\s+/)).map((p) => Number(p.split('/')[0]));
    const declared = (container.ports as Obj[]).map((p) => p.containerPort as number);
    expect(exposed.sort()).toEqual(declared.sort());
  });

  it('.dockerignore keeps host installs, outputs and VCS data out, and the sources in', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of ['.git', '**/node_modules', 'dist', 'build']) expect(ignored).toContain(p);
    for (const needed of ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'examples', 'test']) {
      expect(ignored.some((p) => p === needed || p === `${needed}/` || p === '*' || p === '**')).toBe(false);
    }
  });
});
