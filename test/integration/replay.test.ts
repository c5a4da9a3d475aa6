import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { runCommand } from '../../src/commands.js';
import { parseConfig } from '../../src/config/load.js';
import { reasonKind, type ReasonCode } from '../../src/core/reasons.js';
import { startService } from '../../src/main.js';
import { AuditIdentities } from '../../src/replay/identity.js';
import { replay, type ReplayOptions, type ReplayReport } from '../../src/replay/replay.js';
import { createLogger } from '../../src/telemetry/log.js';
import { auditLines, EXTRA, type LoggedRequest } from '../support/audit-log.js';
import { HMAC_SECRET, testConfig } from '../support/config.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { cliArgv } from '../support/process.js';
import { checkRequest } from '../support/requests.js';
import { exampleService } from '../support/workday-service.js';
import { replay as replayDay, workday, type Login } from '../support/workday.js';

/**
 * `stepgate replay` against the live server: the replayed working day (test/support/workday.ts)
 * goes through the real gRPC server running examples/stepgate.yaml; every request it sent is
 * written as the audit event kube-apiserver would have logged for it; replay of that log must give
 * every user exactly the counts the live server gave. Then the reader's own cases: v1 and v1beta1,
 * stages deduplicated, malformed lines counted, gzip, stdin, and the live server refusing what
 * replay uses in place of a token.
 */

const dir = mkdtempSync(join(tmpdir(), 'stepgate-replay-'));
const EXAMPLE = new URL('../../examples/stepgate.yaml', import.meta.url).pathname;
const exampleConfig = parseConfig(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);

interface Counts {
  requests: number;
  allowed: number;
  challenges: number;
  denials: number;
}
const live = new Map<string, Counts>();
const logged: LoggedRequest[] = [];

function kindOf(reason: ReasonCode): keyof Omit<Counts, 'requests'> {
  if (reason === 'allowed') return 'allowed';
  return reasonKind(reason) === 'step_up' || reasonKind(reason) === 'unauthenticated' ? 'challenges' : 'denials';
}

const options = (o: Partial<ReplayOptions> = {}): ReplayOptions => ({
  assurance: { acrKey: EXTRA.acr, amrKey: EXTRA.amr, authTimeKey: EXTRA.authTime, sidKey: EXTRA.sid, assumeAcr: undefined, assumeAuthAge: undefined, stripPrefix: 'oidc:' },
  includeSystem: false,
  asConfigured: false,
  samples: 5,
  configName: 'examples/stepgate.yaml',
  logName: 'test',
  ...o,
});

const fromLines = (lines: string[]) => Readable.from([`${lines.join('\n')}\n`]);

function perUser(r: ReplayReport): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const d of r.days) {
    const c = out.get(d.user) ?? { requests: 0, allowed: 0, challenges: 0, denials: 0 };
    c.requests += d.requests;
    c.allowed += d.allowed;
    c.challenges += d.challenges.total;
    c.denials += d.denials.total + d.approvals.total;
    out.set(d.user, c);
  }
  return out;
}

beforeAll(async () => {
  // The Check handler without HTTP/2 (in-process-check.ts): risk-day-transport.test.ts holds it to
  // the same report as the real gRPC client on this very day (workday(), seed 12), and the framing
  // was more than half of this replay's CPU. What this file compares is replay's counts with the
  // server's answers, which the transport does not change.
  const s = await exampleService({ transport: 'in-process' });
  const logins = new Map<string, Login>();
  let now = 0;
  try {
    await replayDay(
      workday(),
      { token: async (l, ms) => { const t = await s.minter.token(l, ms); logins.set(t, l); return t; } },
      (ms) => {
        now = ms;
        s.setClock(ms);
      },
      async (spec) => {
        const res = await s.send(spec);
        const login = logins.get(spec.token!)!;
        logged.push({ at: now, method: spec.method ?? 'GET', target: spec.path, ip: spec.source!, ua: spec.headers!['user-agent']!, login });
        const c = live.get(login.sub) ?? { requests: 0, allowed: 0, challenges: 0, denials: 0 };
        c.requests++;
        c[kindOf((res.status.code === 0 ? 'allowed' : reasonOf(res)) as ReasonCode)]++;
        live.set(login.sub, c);
        return res;
      },
    );
  } finally {
    await s.close();
  }
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay of a working day gives the live server’s counts', () => {
  it('per user: requests, allowed, challenges, denials (v1 and v1beta1 lines, stages of every kind, gzip)', async () => {
    expect(logged.length).toBeGreaterThan(2000);
    const lines: string[] = [];
    logged.forEach((r, i) => {
      const stages = i % 3 === 0 ? (['RequestReceived', 'ResponseComplete'] as const) : i % 3 === 1 ? (['ResponseComplete'] as const) : (['ResponseStarted', 'ResponseComplete'] as const);
      lines.push(...auditLines(r, `a-${i}`, { apiVersion: i % 2 ? 'audit.k8s.io/v1beta1' : 'audit.k8s.io/v1', stages: [...stages] }));
    });
    const file = join(dir, 'day.log.gz');
    writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
    const { createReadStream } = await import('node:fs');
    const report = await replay(exampleConfig, createReadStream(file), options());
    expect(report.input).toMatchObject({ events: lines.length, requests: logged.length, stages_deduplicated: lines.length - logged.length, malformed: { total: 0 } });
    const got = perUser(report);
    expect(got.size).toBe(live.size);
    for (const [user, counts] of live) expect(got.get(user), user).toEqual(counts);
    // The day is not trivially all allowed: the attacks and the on-call incident are in it.
    const totals = [...live.values()].reduce((a, c) => ({ challenges: a.challenges + c.challenges, denials: a.denials + c.denials }), { challenges: 0, denials: 0 });
    expect(totals.challenges).toBeGreaterThan(10);
    expect(report.totals.challenges).toBe(totals.challenges);
    expect(report.totals.denials).toBe(totals.denials);
    // The requests behind each: audit IDs of this log.
    const someone = report.days.find((d) => d.challenges.total > 0)!;
    expect(someone.samples.challenges[0]!.audit_id).toMatch(/^a-\d+$/);
  }, 300_000);

  it('the CLI prints the table and the JSON, and reads gzip from stdin', async () => {
    const lines = logged.slice(0, 300).flatMap((r, i) => auditLines(r, `c-${i}`));
    const file = join(dir, 'small.log');
    writeFileSync(file, `${lines.join('\n')}\nnot json\n`);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const args = ['replay', '--config', EXAMPLE, '--audit-log', file, '--strip-prefix', 'oidc:'];
    expect(await runCommand(args, io)).toBe(0);
    const table = out.join('');
    expect(table).toContain('malformed: 1 lines not read (not_json 1)');
    expect(table).toContain('assurance from user.extra example.com/acr');
    expect(table).toMatch(/day\s+user\s+requests\s+challenges\s+denials\s+approvals/);
    out.length = 0;
    expect(await runCommand([...args, '--format', 'json'], io)).toBe(0);
    const json = JSON.parse(out.join('')) as ReplayReport;
    expect(json.input.requests).toBe(300);
    expect(JSON.stringify(json)).not.toMatch(/stepgate-replay\./);
    // stdin, gzipped, through the real binary.
    const child = spawn(process.execPath, [...cliArgv(), 'replay', '--config', EXAMPLE, '--audit-log', '-', '--format', 'json', '--strip-prefix', 'oidc:'], {
      cwd: new URL('../../', import.meta.url).pathname,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stdin.end(gzipSync(`${lines.join('\n')}\n`));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    const viaStdin = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReplayReport;
    expect(viaStdin.audit_log).toBe('stdin');
    expect(viaStdin.totals).toEqual(json.totals);
    expect(await runCommand(['replay', '--config', EXAMPLE], io)).toBe(64);
    expect(await runCommand(['replay', '--config', EXAMPLE, '--audit-log', join(dir, 'missing.log')], io)).toBe(66);
    expect(await runCommand([...args, '--assume-acr', 'no-such-level'], io)).toBe(64);
  }, 60_000);
});

describe('the audit log reader', () => {
  const r: LoggedRequest = {
    at: Date.UTC(2026, 11, 2, 10),
    method: 'GET',
    target: '/api/v1/namespaces/dev/secrets/db',
    ip: '10.20.0.30',
    ua: 'kubectl/v1.32.4 (linux/amd64) kubernetes/6fc0a69',
    login: { sub: 'ann@example.com', sid: 's', authTime: Math.floor(Date.UTC(2026, 11, 2, 9) / 1000), acr: 'urn:stepgate:aal1' },
  };

  it('counts malformed lines by problem and never stops', async () => {
    const good = auditLines(r, 'g-1')[0]!;
    const event = JSON.parse(good) as Record<string, unknown>;
    const lines = [
      '{"kind":"Event"',
      '[]',
      JSON.stringify({ ...event, kind: 'EventList' }),
      JSON.stringify({ ...event, apiVersion: 'audit.k8s.io/v1alpha1' }),
      JSON.stringify({ ...event, auditID: undefined }),
      JSON.stringify({ ...event, auditID: 'x1', user: { username: 42 } }),
      JSON.stringify({ ...event, auditID: 'x2', requestReceivedTimestamp: 'yesterday' }),
      JSON.stringify({ ...event, auditID: 'x3', verb: 'frobnicate' }),
      JSON.stringify({ ...event, auditID: 'x4', stage: 'Later' }),
      JSON.stringify({ ...event, auditID: 'x5', requestURI: 'http://evil' }),
      JSON.stringify({ ...event, auditID: 'x6', sourceIPs: 'one' }),
      '',
      good,
    ];
    const report = await replay(exampleConfig, fromLines(lines), options());
    expect(report.input.malformed.by_problem).toEqual({ not_json: 1, not_an_event: 2, unknown_api_version: 1, missing_field: 1, bad_field: 4, bad_timestamp: 1, unknown_verb: 1 });
    expect(report.input.malformed.first[0]).toMatchObject({ line: 1, problem: 'not_json' });
    expect(report.input.requests).toBe(1);
  });

  it('reads the shapes a real cluster’s audit log arrives in, with the same verdicts as the plain log', async () => {
    // 80 requests of the replayed day, each written once as the log backend writes it and once in
    // another shape: webhook batches, a log shipper's record, the container runtime's lines, the
    // managed control planes' exports.
    const sample = logged.slice(0, 80);
    const plain = sample.map((x, i) => auditLines(x, `p-${i}`)[0]!);
    const events = plain.map((l) => JSON.parse(l) as Record<string, unknown>);
    const bare = (e: Record<string, unknown>) => {
      const { kind: _k, apiVersion: _a, ...rest } = e;
      return rest;
    };
    const time = (i: number) => `2026-12-02T10:00:${String(i % 60).padStart(2, '0')}.123456789Z`;
    const chunks = (t: string, n: number) => Array.from({ length: n }, (_, k) => t.slice(Math.floor((k * t.length) / n), Math.floor(((k + 1) * t.length) / n)));
    const wrapped: string[] = [];
    // Webhook batches: items without their own type (as the backend encodes them), or with it.
    wrapped.push(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: events.slice(0, 10).map((e, k) => (k % 2 ? e : bare(e))) }));
    wrapped.push(JSON.stringify(events.slice(10, 15)));
    // Docker's json-file driver, whole and cut into partial records (no newline until the last).
    for (let i = 15; i < 20; i++) wrapped.push(JSON.stringify({ log: `${plain[i]}\n`, stream: 'stdout', time: time(i) }));
    for (let i = 20; i < 25; i++) {
      const parts = chunks(`${plain[i]}\n`, 3);
      for (const part of parts) wrapped.push(JSON.stringify({ log: part, stream: 'stdout', time: time(i) }));
    }
    // containerd / CRI-O: `<time> stdout F <line>`, and a long line as P, P, F.
    for (let i = 25; i < 30; i++) wrapped.push(`${time(i)} stdout F ${plain[i]}`);
    for (let i = 30; i < 35; i++) chunks(plain[i]!, 3).forEach((part, k) => wrapped.push(`${time(i)} stdout ${k < 2 ? 'P' : 'F'} ${part}`));
    // Shippers: Fluent Bit with the CRI parser, CloudWatch Logs exports, journald's JSON, and an
    // event shipped as an object rather than a string.
    for (let i = 35; i < 38; i++) wrapped.push(JSON.stringify({ time: time(i), stream: 'stdout', logtag: 'F', log: plain[i] }));
    for (let i = 38; i < 40; i++) chunks(plain[i]!, 3).forEach((part, k) => wrapped.push(JSON.stringify({ time: time(i), stream: 'stdout', logtag: k < 2 ? 'P' : 'F', log: part })));
    for (let i = 40; i < 45; i++) wrapped.push(JSON.stringify({ '@timestamp': time(i), '@message': plain[i], '@logStream': 'kube-apiserver-audit-0a1b' }));
    for (let i = 45; i < 50; i++) wrapped.push(JSON.stringify({ MESSAGE: plain[i], _SYSTEMD_UNIT: 'kube-apiserver.service', __REALTIME_TIMESTAMP: '1796205600123456' }));
    for (let i = 50; i < 55; i++) wrapped.push(JSON.stringify({ message: events[i], kubernetes: { namespace_name: 'kube-system' } }));
    // A shipper that drops json-file's newline sends whole events: none may be held open.
    for (let i = 55; i < 57; i++) wrapped.push(JSON.stringify({ log: plain[i], stream: 'stdout', time: time(i) }));
    // The plain lines are still read as before, between the others.
    for (let i = 57; i < 60; i++) wrapped.push(plain[i]!);
    // EKS through CloudWatch Logs: an export task's S3 objects (`<time> <line>`), a subscription's
    // delivery (`logEvents`), and Firehose running several deliveries together on one line.
    for (let i = 60; i < 63; i++) wrapped.push(`${time(i).replace(/\d{6}Z$/, 'Z')} ${plain[i]}`);
    const delivery = (from: number, to: number) =>
      JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: '/aws/eks/prod/cluster', logStream: 'kube-apiserver-audit-0a1b2c', subscriptionFilters: ['audit'], logEvents: plain.slice(from, to).map((m, k) => ({ id: String(from + k), timestamp: 1796205600000 + k, message: m })) });
    wrapped.push(delivery(63, 65));
    wrapped.push(delivery(65, 67) + delivery(67, 68));
    // AKS diagnostic settings: a storage blob's records (`properties.log`, a string; once an object),
    // and an Event Hub message (`records`).
    const aks = (i: number, log: unknown) => ({ time: time(i), resourceId: '/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/PROD', category: 'kube-audit', operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read', properties: { log, stream: 'stdout', pod: 'kube-apiserver-5d8f7c9b6-x2x4z', containerID: 'a64cba7f' } });
    for (let i = 68; i < 71; i++) wrapped.push(JSON.stringify(aks(i, i === 70 ? events[i] : plain[i])));
    wrapped.push(JSON.stringify({ records: [71, 72, 73].map((i) => aks(i, plain[i])) }));
    // An Elasticsearch or OpenSearch search hit, and an event saved from a webhook batch by itself
    // (its kind kept, no apiVersion of its own).
    for (let i = 74; i < 77; i++) wrapped.push(JSON.stringify({ _index: 'audit-k8s-2026.12.02', _id: `h${i}`, _source: { ...events[i], tag: 'kube-apiserver-audit' } }));
    for (let i = 77; i < 80; i++) wrapped.push(JSON.stringify({ ...events[i], apiVersion: undefined }));

    const a = await replay(exampleConfig, fromLines(plain), options());
    const b = await replay(exampleConfig, fromLines(wrapped), options());
    expect(a.input).toMatchObject({ events: 80, requests: 80, malformed: { total: 0 } });
    expect(b.input).toMatchObject({ events: 80, requests: 80, malformed: { total: 0 } });
    expect(b.totals).toEqual(a.totals);
    expect(perUser(b)).toEqual(perUser(a));
    expect(b.days.map((d) => [d.user, d.challenges.by_reason, d.denials.by_reason])).toEqual(a.days.map((d) => [d.user, d.challenges.by_reason, d.denials.by_reason]));
  });

  it('reads events re-formatted over many lines and behind a byte order mark, with the same verdicts as the plain log', async () => {
    // As reviewers pass logs on: `jq .` output (one event after another), a batch saved from the
    // Azure portal or an Event Hub (an indented document after a UTF-8 BOM, CRLF line ends; the
    // shape of sysdiglabs/aks-audit-log's samples), PowerShell's tab-indented JSON, `aws logs
    // filter-log-events` output, a one-line log written by a Windows tool (BOM on its first line).
    const sample = logged.slice(80, 94);
    const plain = sample.map((x, i) => auditLines(x, `m-${i}`)[0]!);
    const events = plain.map((l) => JSON.parse(l) as Record<string, unknown>);
    const pretty = (v: unknown, indent: string | number = 2) => JSON.stringify(v, null, indent);
    const text = [
      `\uFEFF${plain[0]}`,
      pretty(events[1]),
      pretty(events[2]),
      plain[3],
      `\uFEFF${pretty({ records: [4, 5].map((i) => ({ category: 'kube-audit', properties: { log: plain[i] } })) }).replace(/\n/g, '\r\n')}`,
      pretty(events.slice(6, 9), '\t'),
      pretty({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: events.slice(9, 12) }),
      pretty({ events: [12, 13].map((i) => ({ logStreamName: 'kube-apiserver-audit-0a1b2c', timestamp: 1796205600000 + i, message: plain[i], ingestionTime: 1796205601000, eventId: `e${i}` })), searchedLogStreams: [{ logStreamName: 'kube-apiserver-audit-0a1b2c', searchedCompletely: true }] }),
    ].join('\n');
    const a = await replay(exampleConfig, fromLines(plain), options());
    const b = await replay(exampleConfig, Readable.from([`${text}\n`]), options());
    expect(b.input).toMatchObject({ events: 14, requests: 14, malformed: { total: 0 } });
    expect(b.totals).toEqual(a.totals);
    expect(perUser(b)).toEqual(perUser(a));
  });

  it('a re-formatted document cut short is counted, and the lines after it are read', async () => {
    const good = (id: string) => JSON.parse(auditLines(r, id)[0]!) as Record<string, unknown>;
    const lines = [
      // Cut where a one-line event follows at the left margin: the part is not JSON, the event is read.
      '{',
      '  "kind": "Event",',
      JSON.stringify(good('d-1')),
      // A broken one-line event never opens a document: the lines after it are read as they are.
      '{"kind":"Event","auditID":"d-x",',
      JSON.stringify(good('d-2')),
      // An indented event the input ends inside.
      ...JSON.stringify(good('d-3'), null, 2).split('\n').slice(0, -1),
    ];
    const report = await replay(exampleConfig, fromLines(lines), options());
    expect(report.input.malformed.by_problem).toEqual({ not_json: 3 });
    expect(report.input.requests).toBe(2);
  });

  it('a broken batch, wrapper or partial line is counted, and the rest of it is read', async () => {
    const good = (id: string) => JSON.parse(auditLines(r, id)[0]!) as Record<string, unknown>;
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const lines = [
      // One bad item does not lose the batch: 2 read, 1 bad_field, 1 not_an_event.
      JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [good('b-1'), { ...good('b-2'), verb: 7 }, 'oops', good('b-3')] }),
      JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: 'none' }),
      JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1alpha1', items: [{ ...good('b-4'), apiVersion: undefined }] }),
      JSON.stringify({ log: '{"kind":"Event", cut', stream: 'stdout', time: '2026-12-02T10:00:00Z' }),
      JSON.stringify({ '@message': '{not json' }),
      JSON.stringify({ message: 'GET /healthz 200' }),
      JSON.stringify([[good('b-5')]]),
      // A partial record longer than any line is refused by its length, not kept in memory.
      ...[0, 1, 2, 3].map(() => `2026-12-02T10:00:00.1Z stdout P ${huge}`),
      `2026-12-02T10:00:00.1Z stdout F ${huge}`,
      JSON.stringify(good('b-6')),
      // A partial line the input ends on is read as it is: here a cut-off event.
      `2026-12-02T10:00:01.1Z stdout P ${JSON.stringify(good('b-7')).slice(0, 100)}`,
    ];
    const report = await replay(exampleConfig, fromLines(lines), options());
    expect(report.input.malformed.by_problem).toEqual({ bad_field: 1, not_an_event: 4, unknown_api_version: 1, not_json: 3, line_too_long: 1 });
    expect(report.input.requests).toBe(3);
    expect(report.input.events).toBe(3);
  });

  it('deduplicates stages by auditID, whatever their order, and judges with the recorded body', async () => {
    const lines = [
      ...auditLines(r, 'd-1', { stages: ['RequestReceived', 'ResponseComplete'] }),
      ...auditLines(r, 'd-2', { stages: ['ResponseStarted'] }),
      ...auditLines({ ...r, at: r.at + 1000 }, 'd-3', { stages: ['RequestReceived'] }),
      ...auditLines(r, 'd-2', { stages: ['ResponseComplete'] }),
      ...auditLines(r, 'd-1', { stages: ['ResponseComplete'] }),
    ];
    const report = await replay(exampleConfig, fromLines(lines), options());
    expect(report.input).toMatchObject({ events: 6, requests: 3, stages_deduplicated: 3 });
  });

  it('two requests under one auditID are two requests: the client can set it (Audit-ID header)', async () => {
    const secret = auditLines({ ...r, target: '/api/v1/namespaces/prod/secrets/db' }, 'same-id')[0]!;
    const pods = auditLines({ ...r, target: '/api/v1/namespaces/dev/pods' }, 'same-id', { stages: ['RequestReceived', 'ResponseComplete'] });
    const report = await replay(exampleConfig, fromLines([...pods, secret]), options());
    expect(report.input).toMatchObject({ events: 3, requests: 2, stages_deduplicated: 1 });
    expect(report.days.flatMap((d) => [...d.samples.challenges, ...d.samples.denials, ...d.samples.approvals].map((x) => x.path))).toContain('/api/v1/namespaces/prod/secrets/db');
  });

  it('a server-side apply (a patch with `force`) is judged by the rules about create, as live, at any audit level', async () => {
    const ssa = (id: string, query: string, body?: unknown) => auditLines({ ...r, method: 'PATCH', target: `/api/v1/namespaces/dev/pods/x?${query}`, ...(body ? { body } : {}) }, id)[0]!;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'r.example/x:1' }] } };
    const rule = async (line: string) => {
      const report = await replay(exampleConfig, fromLines([line]), options());
      const d = report.days[0]!;
      return { ...d.challenges.by_rule, ...d.denials.by_rule };
    };
    expect(await rule(ssa('a-1', 'fieldManager=kubectl&fieldValidation=Strict&force=false'))).toHaveProperty('pod-creates', 1);
    expect(await rule(ssa('a-2', 'fieldManager=argocd-controller&force=true', pod))).toHaveProperty('pod-creates', 1);
    expect(await rule(ssa('a-3', 'fieldManager=kubectl-client-side-apply&fieldValidation=Strict', { metadata: { labels: { a: 'b' } } }))).not.toHaveProperty('pod-creates');
  });

  it('reads assurance from user.extra, or assumes it when told, and says which', async () => {
    const noExtra = auditLines(r, 'n-1')[0]!.replace(/"extra":\{[^}]*\}/, '"extra":{}');
    const unknown = await replay(exampleConfig, fromLines([noExtra]), options());
    expect(unknown.days[0]).toMatchObject({ assurance: { unknown: 1 }, challenges: { total: 1, by_reason: { acr_insufficient: 1 } } });
    const assumed = await replay(exampleConfig, fromLines([noExtra]), options({ assurance: { ...options().assurance, assumeAcr: 'aal2', assumeAuthAge: 600 } }));
    expect(assumed.days[0]).toMatchObject({ assurance: { assumed: 1 }, allowed: 1 });
    expect(assumed.assurance).toContain('assumed: acr aal2, signed in 600s before each request');
  });

  it('skips system: users unless asked, and keeps sample lists bounded', async () => {
    const sys = auditLines(r, 's-1')[0]!.replace('"oidc:ann@example.com"', '"system:serviceaccount:kube-system:deployer"');
    const many = Array.from({ length: 50 }, (_, i) => auditLines({ ...r, at: r.at + i * 1000 }, `m-${i}`)[0]!);
    const report = await replay(exampleConfig, fromLines([sys, ...many]), options({ samples: 3 }));
    expect(report.input.skipped_system_users).toBe(1);
    const d = report.days.find((x) => x.user === 'ann@example.com')!;
    expect(d.challenges.total).toBe(50);
    expect(d.samples.challenges).toHaveLength(3);
    expect(d.samples_omitted.challenges).toBe(47);
    const all = await replay(exampleConfig, fromLines([sys]), options({ includeSystem: true }));
    expect(all.days.map((x) => x.user)).toEqual(['system:serviceaccount:kube-system:deployer']);
  });

  it('counts automation that would need an approval, enforced or shadowed, and creates none for a shadowed rule', async () => {
    const withAutomation = (text: string) =>
      parseConfig(
        // The example's own automation section (service-account issuer) is replaced by one with an
        // approver, for subjects of the example's first issuer (the people's).
        `${text.replace(/^automation:\n(?: {2}.*\n)*/m, '').replace('stepup:\n', 'stepup:\n  oidc: {issuer: "https://idp.example.com", client_id: stepgate, client_secret_env: SG_SECRET, redirect_uri: "https://auth.example.com/.stepgate/callback"}\n  session: {keys_env: SG_KEYS}\n')}\nautomation:\n  subjects: [{ issuer: "${exampleConfig.issuers[0]!.issuer}", subject: "ci-*" }]\n  approver: {level: aal2}\n`,
        'a.yaml',
      );
    // A Deployment patch, which only prod-writes matches (a bare Pod is pod-creates' too, which is not shadowed here).
    const ci = { ...r, method: 'PATCH', target: '/apis/apps/v1/namespaces/prod-a/deployments/web', login: { sub: 'ci-deployer@example.com', sid: 'ci', authTime: Math.floor(r.at / 1000), acr: 'urn:stepgate:aal1' as const } };
    const lines = [...auditLines(ci, 'ci-1'), ...auditLines({ ...ci, at: ci.at + 60_000 }, 'ci-2')];
    const example = readFileSync(EXAMPLE, 'utf8');
    const enforced = await replay(withAutomation(example), fromLines(lines), options());
    expect(enforced.days[0]).toMatchObject({ user: 'ci-deployer@example.com', automation: true, approvals: { total: 2, by_rule: { 'prod-writes': 2 } } });
    expect(enforced.totals.approvals).toBe(2);
    const shadowed = example.replace('      sensitivity: 20\n', '      sensitivity: 20\n      mode: shadow\n');
    expect(shadowed).not.toBe(example);
    const wouldBe = await replay(withAutomation(shadowed), fromLines(lines), options());
    expect(wouldBe.days[0]!.approvals.total).toBe(2);
    const asConfigured = await replay(withAutomation(shadowed), fromLines(lines), options({ asConfigured: true }));
    expect(asConfigured.days[0]).toMatchObject({ allowed: 2, approvals: { total: 0 } });
  });

  it('impersonation headers and request bodies reach the guardrails', async () => {
    // The example's own guardrails section (impersonation off) is replaced by one with every default.
    // Parsed, not cut out of the text: the section holds anchors that rules further down use.
    const example = parseYaml(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
    const cfg = parseConfig(stringifyYaml({ ...example, guardrails: { protected_namespaces: ['prod*'] } }), 'g.yaml');
    const fresh = { ...r.login, acr: 'urn:stepgate:aal2' as const, authTime: Math.floor(r.at / 1000) - 60 };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'r.example/x:1', securityContext: { privileged: true } }] } };
    const withBody = auditLines({ ...r, login: fresh, method: 'POST', target: '/api/v1/namespaces/prod-a/pods', body: pod }, 'b-1', { stages: ['RequestReceived', 'ResponseComplete'] });
    const noBody = auditLines({ ...r, login: fresh, method: 'POST', target: '/api/v1/namespaces/prod-a/pods' }, 'b-2');
    const imp = auditLines({ ...r, login: fresh, impersonate: { username: 'admin', groups: ['system:masters'] } }, 'b-3');
    // Writes the guardrails never read lose nothing without a body (kubectl exec over SPDY): they
    // are not counted as judged without guardrails. A workload's scale is read (a scale to zero is
    // the delete of every pod), so without its body it is.
    const unread = auditLines({ ...r, login: fresh, method: 'POST', target: '/api/v1/namespaces/prod-a/pods/x/exec?command=sh&stdin=true&tty=true' }, 'b-4', { stages: ['ResponseStarted'] });
    const scale = auditLines({ ...r, login: fresh, method: 'PUT', target: '/apis/apps/v1/namespaces/prod-a/deployments/web/scale' }, 'b-5');
    const report = await replay(cfg, fromLines([...withBody, ...noBody, ...imp, ...unread, ...scale]), options());
    const d = report.days[0]!;
    expect(report.input.requests).toBe(5);
    expect(report.input.bodies_not_recorded).toBe(2);
    expect(d.challenges.by_guardrail).toMatchObject({ privileged_container: 1 });
    expect(Object.keys(d.challenges.by_guardrail).some((g) => g.startsWith('impersonat'))).toBe(true);
  });
});

describe('the live server never accepts what replay uses instead of a token', () => {
  it('a replay identity string and an unsigned JWT are refused as tokens', async () => {
    const issuer = await TestIssuer.start();
    const service = await startService(testConfig(issuer.url), { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
    const client = new CheckClient(service.grpc.port);
    try {
      // The exact string replay would use for this user, minted by the replay adapter itself.
      let ids: AuditIdentities | undefined;
      const { buildRuntime } = await import('../../src/pipeline/runtime.js');
      buildRuntime(testConfig(issuer.url), {
        fetch: () => Promise.reject(new Error('no')),
        now: Date.now,
        env: { TEST_HMAC_SECRET: HMAC_SECRET },
        verifier: (c, a, o) => (ids = new AuditIdentities(c, a, o, issuer.url, options().assurance)),
      });
      const line = JSON.parse(auditLines({ at: Date.now(), method: 'GET', target: '/api/v1/namespaces/dev/pods', ip: '10.1.2.3', ua: 'kubectl', login: { sub: 'alice@example.com', sid: 's', authTime: Math.floor(Date.now() / 1000), acr: 'urn:stepgate:aal3' } }, 'l-1')[0]!) as Record<string, unknown>;
      const { parseAuditLine } = await import('../../src/replay/event.js');
      const ev = parseAuditLine(JSON.stringify(line));
      if (!ev.ok) throw new Error('bad line');
      const token = ids!.identify(ev.event).token;
      expect((await ids!.verify(token)).ok).toBe(true);
      const res = await client.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }));
      expect(res.status.code).not.toBe(0);
      expect(reasonOf(res)).toBe('token_malformed');
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: issuer.url, sub: 'alice', aud: 'kubernetes', acr: 'urn:stepgate:aal3', exp: 4e9 })).toString('base64url')}.`;
      expect(reasonOf(await client.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token: unsigned })))).toMatch(/^(token_invalid|algorithm_forbidden|token_malformed)$/);
    } finally {
      client.close();
      await service.stop();
      await issuer.close();
    }
  });

  it('nothing the server loads imports the replay adapter', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*'(\.[^']+)\.js'/g)) visit(new URL(`${m[1]}.ts`, `file://${file}`).pathname);
    };
    visit(new URL('../../src/main.ts', import.meta.url).pathname);
    expect([...seen].filter((f) => f.includes('/src/replay/'))).toEqual([]);
    expect(seen.size).toBeGreaterThan(30);
  });
});
