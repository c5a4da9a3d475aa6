import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import { buildAttributes, type BuiltRequest } from '../../src/request/build.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { readWebApi } from '../../src/request/web-apis.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * kubernetes.web_apis (request/web-apis.ts): a UI's own API path read as the API server request
 * it stands for. Each row is compared with kubeRequestInfo of that request, field by field.
 */

const none = () => undefined;
const NS = (o: Record<string, unknown>) => () => o;

type Row = [method: string, path: string, verb: string, group: string, resource: string, subresource: string, namespace: string, name: string];

function expectKube(api: 'kubernetes-dashboard' | 'argo-server', [method, path, verb, group, resource, sub, ns, name]: Row, body = none as () => Record<string, unknown> | undefined): void {
  const reading = readWebApi(api, method, path, body);
  expect(reading.kind, `${method} ${path}: ${JSON.stringify(reading)}`).toBe('kube');
  if (reading.kind !== 'kube') return;
  const q = reading.path.indexOf('?');
  const info = kubeRequestInfo(reading.method, q < 0 ? reading.path : reading.path.slice(0, q), q < 0 ? '' : reading.path.slice(q + 1), () => undefined);
  expect({ verb: info.verb, group: info.apiGroup, resource: info.resource, sub: info.subresource, ns: info.namespace, name: info.name }, `${method} ${path}`).toEqual({ verb, group, resource, sub, ns, name });
}

describe('the Kubernetes Dashboard API (kubernetes/dashboard modules/api apihandler.go)', () => {
  it.each<Row>([
    ['GET', '/api/v1/secret/lab-nlp-prod/hf-api-token', 'get', '', 'secrets', '', 'lab-nlp-prod', 'hf-api-token'],
    ['GET', '/api/v1/secret/lab-vision', 'list', '', 'secrets', '', 'lab-vision', ''],
    ['GET', '/api/v1/secret', 'list', '', 'secrets', '', '', ''],
    ['GET', '/api/v1/secret/', 'list', '', 'secrets', '', '', ''],
    // A comma list, and `_all`, span namespaces: judged as the list across all of them.
    ['GET', '/api/v1/secret/lab-vision,lab-nlp-prod', 'list', '', 'secrets', '', '', ''],
    ['GET', '/api/v1/pod/_all', 'list', '', 'pods', '', '', ''],
    ['GET', '/api/v1/pod/lab-vision', 'list', '', 'pods', '', 'lab-vision', ''],
    ['GET', '/api/v1/pod/lab-vision/trainer-0', 'get', '', 'pods', '', 'lab-vision', 'trainer-0'],
    ['GET', '/api/v1/pod/lab-vision/trainer-0/container', 'get', '', 'pods', '', 'lab-vision', 'trainer-0'],
    ['GET', '/api/v1/pod/lab-vision/trainer-0/event', 'list', '', 'events', '', 'lab-vision', ''],
    ['GET', '/api/v1/pod/lab-vision/trainer-0/persistentvolumeclaim', 'list', '', 'persistentvolumeclaims', '', 'lab-vision', ''],
    // The shell is an exec session opened with the caller's token.
    ['GET', '/api/v1/pod/lab-vision/trainer-0/shell/train', 'create', '', 'pods', 'exec', 'lab-vision', 'trainer-0'],
    ['GET', '/api/v1/deployment/web/api', 'get', 'apps', 'deployments', '', 'web', 'api'],
    ['GET', '/api/v1/deployment/web/api/oldreplicaset', 'list', 'apps', 'replicasets', '', 'web', ''],
    ['PUT', '/api/v1/deployment/web/api/restart', 'update', 'apps', 'deployments', '', 'web', 'api'],
    ['PUT', '/api/v1/deployment/web/api/rollback', 'update', 'apps', 'deployments', '', 'web', 'api'],
    ['PUT', '/api/v1/cronjob/web/nightly/trigger', 'create', 'batch', 'jobs', '', 'web', ''],
    ['POST', '/api/v1/replicationcontroller/web/old/update/pod', 'update', '', 'replicationcontrollers', 'scale', 'web', 'old'],
    ['GET', '/api/v1/serviceaccount/web/deployer/secret', 'list', '', 'secrets', '', 'web', ''],
    ['GET', '/api/v1/serviceaccount/web/deployer/imagepullsecret', 'list', '', 'secrets', '', 'web', ''],
    ['GET', '/api/v1/deployment/web/api/horizontalpodautoscaler', 'list', 'autoscaling', 'horizontalpodautoscalers', '', 'web', ''],
    ['GET', '/api/v1/node', 'list', '', 'nodes', '', '', ''],
    ['GET', '/api/v1/node/gpu-1', 'get', '', 'nodes', '', '', 'gpu-1'],
    ['GET', '/api/v1/node/gpu-1/pod', 'list', '', 'pods', '', '', ''],
    ['GET', '/api/v1/namespace/lab-vision/event', 'list', '', 'events', '', 'lab-vision', ''],
    ['POST', '/api/v1/namespace', 'create', '', 'namespaces', '', '', ''],
    ['GET', '/api/v1/clusterrolebinding/cluster-admin', 'get', 'rbac.authorization.k8s.io', 'clusterrolebindings', '', '', 'cluster-admin'],
    ['GET', '/api/v1/role/web', 'list', 'rbac.authorization.k8s.io', 'roles', '', 'web', ''],
    ['GET', '/api/v1/persistentvolume/namespace/web/name/pv-1', 'get', '', 'persistentvolumes', '', '', 'pv-1'],
    ['GET', '/api/v1/storageclass/fast/persistentvolume', 'list', '', 'persistentvolumes', '', '', ''],
    ['GET', '/api/v1/crd', 'list', 'apiextensions.k8s.io', 'customresourcedefinitions', '', '', ''],
    ['GET', '/api/v1/crd/web/workflows.argoproj.io/object', 'list', 'argoproj.io', 'workflows', '', 'web', ''],
    ['GET', '/api/v1/crd/web/workflows.argoproj.io/nightly-x2', 'get', 'argoproj.io', 'workflows', '', 'web', 'nightly-x2'],
    ['GET', '/api/v1/log/web/api-7d9f/api', 'get', '', 'pods', 'log', 'web', 'api-7d9f'],
    ['GET', '/api/v1/log/file/web/api-7d9f/api', 'get', '', 'pods', 'log', 'web', 'api-7d9f'],
    ['GET', '/api/v1/log/source/web/api/deployment', 'list', '', 'pods', '', 'web', ''],
    ['GET', '/api/v1/event/web', 'list', '', 'events', '', 'web', ''],
    // The YAML editor: the object itself, read, replaced or deleted.
    ['GET', '/api/v1/_raw/secret/namespace/lab-nlp-prod/name/hf-api-token', 'get', '', 'secrets', '', 'lab-nlp-prod', 'hf-api-token'],
    ['PUT', '/api/v1/_raw/deployment/namespace/web/name/api', 'update', 'apps', 'deployments', '', 'web', 'api'],
    // kube reads a Namespace's own path as in that namespace.
    ['DELETE', '/api/v1/_raw/namespace/name/lab-nlp-prod', 'delete', '', 'namespaces', '', 'lab-nlp-prod', 'lab-nlp-prod'],
    ['DELETE', '/api/v1/_raw/clusterrolebinding/name/admins', 'delete', 'rbac.authorization.k8s.io', 'clusterrolebindings', '', '', 'admins'],
    ['PUT', '/api/v1/_raw/Secret/namespace/web/name/db', 'update', '', 'secrets', '', 'web', 'db'],
    ['PUT', '/api/v1/_raw/workflows.argoproj.io/namespace/web/name/w', 'update', 'argoproj.io', 'workflows', '', 'web', 'w'],
    ['PUT', '/api/v1/scale/deployment/web/api', 'update', 'apps', 'deployments', 'scale', 'web', 'api'],
    ['GET', '/api/v1/scale/statefulset/web/db', 'get', 'apps', 'statefulsets', 'scale', 'web', 'db'],
    // HEAD is a GET to Go's router.
    ['HEAD', '/api/v1/secret/web/db', 'get', '', 'secrets', '', 'web', 'db'],
  ])('%s %s', (...row) => expectKube('kubernetes-dashboard', row));

  it('a create whose namespace is in the body is judged in that namespace, and refused without one', () => {
    expectKube('kubernetes-dashboard', ['POST', '/api/v1/secret', 'create', '', 'secrets', '', 'lab-nlp-prod', ''], NS({ name: 'pull', namespace: 'lab-nlp-prod', data: 'x' }));
    expectKube('kubernetes-dashboard', ['POST', '/api/v1/appdeployment', 'create', 'apps', 'deployments', '', 'web', ''], NS({ name: 'x', NAMESPACE: 'web' }));
    expect(readWebApi('kubernetes-dashboard', 'POST', '/api/v1/secret', none).kind).toBe('invalid');
    expect(readWebApi('kubernetes-dashboard', 'POST', '/api/v1/appdeployment', NS({ namespace: 'a', Namespace: 'b' })).kind).toBe('invalid');
  });

  it("the deploy form's Deployment carries its image and a privileged container for the guardrails", () => {
    const reading = readWebApi('kubernetes-dashboard', 'POST', '/api/v1/appdeployment', NS({ name: 'x', namespace: 'web', containerImage: 'alpine', runAsPrivileged: true }));
    expect(reading).toMatchObject({ kind: 'kube', object: { kind: 'Deployment', metadata: { namespace: 'web' }, spec: { template: { spec: { containers: [{ image: 'alpine', securityContext: { privileged: true } }] } } } } });
  });

  it.each([
    ['GET', '/'],
    ['GET', '/assets/main.js'],
    ['GET', '/api/v1/csrftoken/login'],
    ['POST', '/api/v1/login'],
    ['GET', '/api/v1/me'],
    ['PUT', '/api/v1/settings/global'],
    ['GET', '/api/v1/systembanner'],
    ['GET', '/api/v1/integration/sidecar/state'],
    ['GET', '/api/v1/appdeployment/protocols'],
    ['POST', '/api/v1/appdeployment/validate/name'],
    ['GET', '/api/sockjs/info'],
    ['GET', '/api/'],
    ['GET', '/api/v1'],
    ['OPTIONS', '/api/v1/secret/web/db'],
    // A read the table does not know stays the UI's.
    ['GET', '/api/v1/newthing/web/x'],
  ])('%s %s is the UI\'s own', (method, path) => {
    expect(readWebApi('kubernetes-dashboard', method, path, none)).toEqual({ kind: 'web' });
  });

  it.each([
    // Writes stepgate cannot read as one request are refused, not waved through as web pages.
    ['POST', '/api/v1/appdeploymentfromfile'],
    ['POST', '/api/v1/newthing/web/x'],
    ['DELETE', '/api/v1/secret/web/db'],
    ['PATCH', '/api/v1/_raw/secret/namespace/web/name/db'],
    ['PUT', '/api/v1/_raw/unknownkind/namespace/web/name/db'],
    ['PUT', '/api/v1/scale/unknownkind/web/db'],
    ['POST', '/api/v1/me'],
    // A write under a version neither backend serves.
    ['POST', '/api/v2/secret'],
    ['DELETE', '/api/beta/deployment/web/api'],
    // Shapes that clean differently in another hop.
    ['GET', '/api/v1/secret/web/../kube-system/x'],
    ['GET', '/api/v1/secret//kube-system'],
    ['GET', '/api/v1/./secret/web/db'],
  ])('%s %s is refused', (method, path) => {
    expect(readWebApi('kubernetes-dashboard', method, path, none).kind).toBe('invalid');
  });

  it('an extra segment is no route: a read stays the UI\'s, a write is refused', () => {
    expect(readWebApi('kubernetes-dashboard', 'GET', '/api/v1/secret/web/db/extra/more', none)).toEqual({ kind: 'web' });
    expect(readWebApi('kubernetes-dashboard', 'PUT', '/api/v1/deployment/web/api/restart/now', none).kind).toBe('invalid');
  });
});

describe('the Argo Server API (argo-workflows pkg/apiclient/*.proto)', () => {
  it.each<Row>([
    ['GET', '/api/v1/workflows/team-forecast', 'list', 'argoproj.io', 'workflows', '', 'team-forecast', ''],
    ['GET', '/api/v1/workflows/', 'list', 'argoproj.io', 'workflows', '', '', ''],
    ['GET', '/api/v1/workflows/team-forecast/eda-x2', 'get', 'argoproj.io', 'workflows', '', 'team-forecast', 'eda-x2'],
    ['DELETE', '/api/v1/workflows/team-forecast/eda-x2', 'delete', 'argoproj.io', 'workflows', '', 'team-forecast', 'eda-x2'],
    ['PUT', '/api/v1/workflows/team-forecast/eda-x2/retry', 'update', 'argoproj.io', 'workflows', '', 'team-forecast', 'eda-x2'],
    ['PUT', '/api/v1/workflows/team-forecast/eda-x2/terminate', 'update', 'argoproj.io', 'workflows', '', 'team-forecast', 'eda-x2'],
    ['PUT', '/api/v1/workflows/team-forecast/eda-x2/resubmit', 'create', 'argoproj.io', 'workflows', '', 'team-forecast', ''],
    ['POST', '/api/v1/workflows/team-forecast/submit', 'create', 'argoproj.io', 'workflows', '', 'team-forecast', ''],
    ['GET', '/api/v1/workflows/team-forecast/eda-x2/eda-x2-main-123/log', 'get', '', 'pods', 'log', 'team-forecast', 'eda-x2-main-123'],
    ['GET', '/api/v1/workflows/team-forecast/eda-x2/log', 'get', '', 'pods', 'log', 'team-forecast', 'eda-x2'],
    ['GET', '/api/v1/workflow-events/team-forecast', 'watch', 'argoproj.io', 'workflows', '', 'team-forecast', ''],
    ['GET', '/api/v1/events/team-forecast', 'watch', '', 'events', '', 'team-forecast', ''],
    ['POST', '/api/v1/events/team-forecast/github', 'create', 'argoproj.io', 'workflows', '', 'team-forecast', ''],
    ['GET', '/api/v1/workflow-templates/ml-pipelines', 'list', 'argoproj.io', 'workflowtemplates', '', 'ml-pipelines', ''],
    ['DELETE', '/api/v1/workflow-templates/ml-pipelines/train', 'delete', 'argoproj.io', 'workflowtemplates', '', 'ml-pipelines', 'train'],
    ['GET', '/api/v1/cluster-workflow-templates', 'list', 'argoproj.io', 'clusterworkflowtemplates', '', '', ''],
    ['GET', '/api/v1/cluster-workflow-templates/base', 'get', 'argoproj.io', 'clusterworkflowtemplates', '', '', 'base'],
    ['PUT', '/api/v1/cron-workflows/ml-pipelines/nightly/suspend', 'update', 'argoproj.io', 'cronworkflows', '', 'ml-pipelines', 'nightly'],
    ['GET', '/api/v1/sensors/events', 'list', 'argoproj.io', 'sensors', '', 'events', ''],
  ])('%s %s', (...row) => expectKube('argo-server', row));

  const privileged = { metadata: { generateName: 'eda-' }, spec: { templates: [{ name: 'main', container: { image: 'alpine', securityContext: { privileged: true } } }] } };

  it.each([
    ['POST', '/api/v1/workflows/team-forecast', 'workflow', 'Workflow', 'workflows', 'team-forecast', ''],
    ['POST', '/api/v1/workflow-templates/ml-pipelines', 'template', 'WorkflowTemplate', 'workflowtemplates', 'ml-pipelines', ''],
    ['PUT', '/api/v1/workflow-templates/ml-pipelines/train', 'template', 'WorkflowTemplate', 'workflowtemplates', 'ml-pipelines', 'train'],
    ['POST', '/api/v1/cluster-workflow-templates', 'template', 'ClusterWorkflowTemplate', 'clusterworkflowtemplates', '', ''],
    ['PUT', '/api/v1/cluster-workflow-templates/base', 'template', 'ClusterWorkflowTemplate', 'clusterworkflowtemplates', '', 'base'],
    ['POST', '/api/v1/cron-workflows/ml-pipelines', 'cronWorkflow', 'CronWorkflow', 'cronworkflows', 'ml-pipelines', ''],
    ['PUT', '/api/v1/cron-workflows/ml-pipelines/nightly', 'cronWorkflow', 'CronWorkflow', 'cronworkflows', 'ml-pipelines', 'nightly'],
  ])('%s %s hands the guardrails the body\'s %s as a %s', (method, path, key, kind, resource, ns, name) => {
    const reading = readWebApi('argo-server', method, path, NS({ namespace: ns, [key]: privileged }));
    expect(reading).toMatchObject({ kind: 'kube', object: { apiVersion: 'argoproj.io/v1alpha1', kind, spec: privileged.spec } });
    expectKube('argo-server', [method, path, method === 'POST' ? 'create' : 'update', 'argoproj.io', resource, '', ns, name], NS({ [key]: privileged }));
  });

  it('the route decides the kind the guardrails read, whatever the body claims', () => {
    const disguised = { ...privileged, apiVersion: 'v1', kind: 'ConfigMap' };
    expect(readWebApi('argo-server', 'POST', '/api/v1/workflows/t', NS({ workflow: disguised }))).toMatchObject({ object: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', spec: privileged.spec } });
  });

  it("Go's case-insensitive field match is followed, and two spellings are refused", () => {
    expect(readWebApi('argo-server', 'POST', '/api/v1/workflows/t', NS({ Workflow: privileged }))).toMatchObject({ object: { spec: privileged.spec } });
    // U+212A KELVIN SIGN folds to `k` in Go's encoding/json.
    expect(readWebApi('argo-server', 'POST', '/api/v1/workflows/t', NS({ 'wor\u212aflow': privileged }))).toMatchObject({ object: { spec: privileged.spec } });
    expect(readWebApi('argo-server', 'POST', '/api/v1/workflows/t', NS({ workflow: {}, WORKFLOW: privileged })).kind).toBe('invalid');
    expect(readWebApi('argo-server', 'POST', '/api/v1/workflows/t', NS({ namespace: 't' })).kind).toBe('invalid');
    expect(readWebApi('argo-server', 'POST', '/api/v1/workflows/t', NS({ workflow: 'x' })).kind).toBe('invalid');
    // No readable body: the create is still one, and the guardrails judge the body as it came.
    expect(readWebApi('argo-server', 'POST', '/api/v1/workflows/t', none)).toEqual({ kind: 'kube', method: 'POST', path: '/apis/argoproj.io/v1alpha1/namespaces/t/workflows' });
  });

  it.each([
    ['GET', '/'],
    ['GET', '/workflows/team-forecast'],
    ['GET', '/api/v1/info'],
    ['GET', '/api/v1/userinfo'],
    ['GET', '/api/v1/archived-workflows'],
    ['DELETE', '/api/v1/archived-workflows/0b8e'],
    ['POST', '/api/v1/workflows/team-forecast/lint'],
    ['POST', '/api/v1/cluster-workflow-templates/lint'],
  ])('%s %s is the UI\'s own', (method, path) => {
    expect(readWebApi('argo-server', method, path, none)).toEqual({ kind: 'web' });
  });

  it.each([
    ['POST', '/api/v1/workflows/team-forecast/eda/unknown'],
    ['PUT', '/api/v1/workflows/team-forecast/eda/explode'],
    ['PATCH', '/api/v1/workflows/team-forecast/eda'],
    ['POST', '/api/v1/newservice/x'],
    ['PUT', '/api/v1/archived-workflows/0b8e/resubmit'],
    ['GET', '/api/v1/workflows/team-forecast/../kube-system'],
  ])('%s %s is refused', (method, path) => {
    expect(readWebApi('argo-server', method, path, none).kind).toBe('invalid');
  });

  // A retry's or resubmit's parameters override the stored Workflow's arguments, whose templates
  // stepgate does not see: `unseen`, which the guardrails judge as an unreadable body.
  it.each([
    ['PUT', '/api/v1/workflows/dev/grant-x7k2q/retry', { name: 'grant-x7k2q', namespace: 'dev', parameters: ['role=cluster-admin'] }, 'a retry through the Argo Server sets parameters (role)'],
    ['PUT', '/api/v1/workflows/dev/grant-x7k2q/resubmit', { name: 'grant-x7k2q', namespace: 'dev', Parameters: ['role=cluster-admin', 'ns=kube-system'] }, 'a resubmit through the Argo Server sets parameters (role, ns)'],
    ['PUT', '/api/v1/archived-workflows/0b8e/retry', { uid: '0b8e', namespace: 'dev', parameters: ['role=cluster-admin'] }, "an archived Workflow's retry through the Argo Server sets parameters (role)"],
    ['PUT', '/api/v1/workflows/dev/grant-x7k2q/retry', { parameters: 'role=cluster-admin' }, 'a retry through the Argo Server sets parameters that cannot be read'],
    ['PUT', '/api/v1/workflows/dev/grant-x7k2q/retry', { parameters: [], PARAMETERS: ['role=cluster-admin'] }, 'a retry through the Argo Server sets parameters that cannot be read'],
    ['POST', '/api/v1/workflows/dev/submit', { namespace: 'dev', resourceKind: 'cronwf', resourceName: 'grant', submitOptions: { parameters: ['role=cluster-admin'] } }, 'a submit from cronwf through the Argo Server sets parameters (role)'],
    ['POST', '/api/v1/workflows/dev/submit', { namespace: 'dev', resourceKind: 'wftmpl', resourceName: 'run', submitOptions: { parameters: ['image=a"\n  privileged: true'] } }, 'a submit from a template through the Argo Server sets a parameter holding a line break'],
    ['POST', '/api/v1/workflows/dev/submit', { namespace: 'dev', resourceKind: 'WorkflowTemplate', resourceName: 'run', submitOptions: 'x' }, 'a submit through the Argo Server whose submitOptions cannot be read'],
  ])('%s %s %j is unseen', (method, path, body, detail) => {
    const reading = readWebApi('argo-server', method, path, NS(body));
    expect(reading.kind).toBe('kube');
    expect(reading.kind === 'kube' && reading.unseen).toMatch(new RegExp(`^${detail.replace(/[()]/g, '\\$&')}`));
  });

  it.each([
    ['PUT', '/api/v1/workflows/dev/etl/retry', { name: 'etl', namespace: 'dev', restartSuccessful: true, nodeFieldSelector: 'phase=Failed' }],
    ['PUT', '/api/v1/workflows/dev/etl/resubmit', { name: 'etl', namespace: 'dev', memoized: true, parameters: [] }],
    ['PUT', '/api/v1/workflows/dev/etl/stop', { name: 'etl', namespace: 'dev', message: 'done' }],
    ['POST', '/api/v1/workflows/dev/submit', { namespace: 'dev', resourceKind: 'WorkflowTemplate', resourceName: 'texture-bake', submitOptions: { parameters: ['pack=season-7/x', 'quality=high'] } }],
    ['POST', '/api/v1/workflows/dev/submit', { namespace: 'dev', resourceKind: 'ClusterWorkflowTemplate', resourceName: 'base' }],
    ['POST', '/api/v1/workflows/dev/submit', { namespace: 'dev', resourceKind: 'cronwf', resourceName: 'nightly', submitOptions: { labels: 'submitted-by=ui' } }],
  ])('%s %s %j is the stored run as judged', (method, path, body) => {
    const reading = readWebApi('argo-server', method, path, NS(body));
    expect(reading.kind).toBe('kube');
    expect(reading.kind === 'kube' && reading.unseen).toBeUndefined();
  });

  it('an archived Workflow resubmitted into the namespace its body names', () => {
    expectKube('argo-server', ['PUT', '/api/v1/archived-workflows/0b8e/resubmit', 'create', 'argoproj.io', 'workflows', '', 'team-forecast', ''], NS({ namespace: 'team-forecast' }));
  });
});

describe('kubernetes.web_apis through buildAttributes', () => {
  const hosts = compileHostMatcher(['kube.example'], [], [{ name: 'rc', hosts: ['dash.example'] }], [
    { hosts: ['dash.example'], api: 'kubernetes-dashboard' },
    { hosts: ['argo.example'], api: 'argo-server' },
  ]);
  const build = (host: string, method: string, target: string, body?: string): BuiltRequest =>
    buildAttributes({ method, target, authority: host, scheme: 'https', headers: RequestHeaders.of([['content-type', 'application/json']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body, bodyTruncated: false }, [], hosts);

  it('a Dashboard path is the Kubernetes request it stands for, on its configured cluster', () => {
    const b = build('dash.example', 'GET', '/api/v1/secret/lab-nlp-prod/hf-api-token?x=1');
    expect(b.ok && b.attributes.kube).toMatchObject({ verb: 'get', resource: 'secrets', namespace: 'lab-nlp-prod', name: 'hf-api-token' });
    expect(b.ok && b.attributes.cluster).toBe('rc');
    // The path stays the one the browser sent (web rules on the host still see it).
    expect(b.ok && b.attributes.path).toBe('/api/v1/secret/lab-nlp-prod/hf-api-token');
  });

  it("the Argo Server's body is replaced by the object it wraps", () => {
    const b = build('argo.example', 'POST', '/api/v1/workflows/t', JSON.stringify({ namespace: 't', workflow: { metadata: { name: 'x' } } }));
    expect(b.ok && b.attributes.kube).toMatchObject({ verb: 'create', apiGroup: 'argoproj.io', resource: 'workflows', namespace: 't' });
    expect(b.ok && JSON.parse(b.attributes.body as string)).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'x' } });
  });

  it('other hosts, and the UI pages, are untouched', () => {
    const other = build('grafana.example', 'GET', '/api/v1/secret/a/b');
    expect(other.ok && other.attributes.kube).toBeUndefined();
    const page = build('dash.example', 'GET', '/workloads?namespace=a');
    expect(page.ok && page.attributes.kube).toBeUndefined();
    const body = '{"workflow":{}}';
    const web = build('argo.example', 'POST', '/api/v1/workflows/t/lint', body);
    expect(web.ok && web.attributes.body).toBe(body);
  });

  it.each([
    ['GET', '/api/v1/secret/web%2F..%2Fkube-system/x'],
    ['GET', '/api/v1/secret/web/%2e%2e/x'],
    ['get', '/api/v1/secret/web/x'],
    ['POST', '/api/v1/appdeploymentfromfile'],
  ])('%s %s is refused as request_invalid', (method, target) => {
    const b = build('dash.example', method, target);
    expect(b.ok, JSON.stringify(b)).toBe(false);
  });
});
