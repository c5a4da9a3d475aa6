import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { compilePolicy } from '../../src/policy/policy.js';
import { withEnvOverrides } from '../../src/main.js';
import { redisConnection } from '../../src/state/factory.js';
import type { Config } from '../../src/config/schema.js';
import { AUTHORIZATION_SERVICE } from '../../src/server/grpc/protos.js';
import {
  containerPort,
  containers,
  find,
  get,
  helmValuesSchema,
  isTyped,
  istioOperatorSpecSchema,
  loadDocs,
  one,
  podLabels,
  renderKustomization,
  selects,
  yamlFiles,
  type ExtensionProvider,
  type Obj,
  type TypedObject,
} from './manifests.js';
import { kubeReq, who } from '../support/policy.js';

/**
 * The manifests refer to each other by name, label, host and port; none of these links is checked
 * by any schema, and a broken one fails at run time in the worst way (a policy that never calls
 * stepgate, a probe that kills healthy pods). Each test here follows one link.
 */

const base = renderKustomization('deploy/base');
const singleReplica = renderKustomization('deploy/overlays/single-replica');
const externalRedis = renderKustomization('deploy/overlays/external-redis');
const istio = yamlFiles('istio').flatMap((f) => loadDocs(f).map((d) => d.data)).filter(isTyped) as TypedObject[];

const deployment = one(base.objects, 'Deployment', 'stepgate');
const podSpec = get<Obj>(deployment, 'spec.template.spec');
const container = containers(podSpec).find((c) => c.name === 'stepgate')!;
const service = one(base.objects, 'Service', 'stepgate');
const configMap = one(base.objects, 'ConfigMap', 'stepgate-config');

/** The policy file as the pods see it: the ConfigMap key that --config points at. */
function mountedPolicy(): { key: string; text: string; config: Config } {
  const args = container.args as string[];
  const path = args[args.indexOf('--config') + 1]!;
  const mounts = (container.volumeMounts as Obj[]).filter((m) => path.startsWith(`${String(m.mountPath)}/`));
  expect(mounts, `one volume mounted above ${path}`).toHaveLength(1);
  const mount = mounts[0]!;
  // A subPath mount is a copy that never sees ConfigMap updates: hot reload would silently stop.
  expect(mount.subPath).toBeUndefined();
  const volume = (podSpec.volumes as Obj[]).find((v) => v.name === mount.name)!;
  expect(get(volume, 'configMap.name')).toBe(configMap.metadata.name);
  const key = path.slice(String(mount.mountPath).length + 1);
  const text = (configMap.data as Record<string, string> | undefined)?.[key];
  expect(text, `ConfigMap ${configMap.metadata.name} has key ${key}`).toBeTypeOf('string');
  return { key, text: text!, config: parseConfig(text!, base.generatedFiles.get('stepgate-config')!.get(key)!) };
}

function meshProviders(): { operator: ExtensionProvider[]; helm: ExtensionProvider[] } {
  const operator = one(istio, 'IstioOperator');
  const helmDoc = loadDocs('istio/mesh-config/helm-values.yaml')[0]!.data;
  return {
    operator: istioOperatorSpecSchema.parse(operator.spec).meshConfig.extensionProviders,
    helm: helmValuesSchema.parse(helmDoc).meshConfig.extensionProviders,
  };
}

const customPolicies = () => find(istio, 'AuthorizationPolicy').filter((p) => get(p, 'spec.action') === 'CUSTOM');

/** Hosts of CUSTOM policies, i.e. the requests stepgate is asked about. */
function checkedHosts(): Set<string> {
  return new Set(
    customPolicies().flatMap((p) =>
      (get<Obj[]>(p, 'spec.rules') ?? []).flatMap((r) => ((r.to as Obj[]) ?? []).flatMap((t) => get<string[]>(t, 'operation.hosts') ?? [])),
    ),
  );
}

/** The host a Gateway server's `namespace/host` entry serves (`./kube.example.com` → kube.example.com). */
const servedHost = (h: string): string => h.slice(h.indexOf('/') + 1);

/** The Service port named `http` (the step-up routes). */
const httpServicePort = () => get<Obj[]>(service, 'spec.ports').find((p) => p.name === 'http');

/** A VirtualService destination that is stepgate's step-up port, by the Service's cluster name and port. */
const isStepgateHttp = (d: Obj | undefined): boolean =>
  d !== undefined &&
  d.host === `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local` &&
  get(d, 'port.number') === httpServicePort()?.port;

const routeDestinations = (route: Obj): Obj[] => ((route.route as Obj[]) ?? []).map((d) => d.destination as Obj);
const isStepgateRoute = (route: Obj): boolean => {
  const ds = routeDestinations(route);
  return ds.length > 0 && ds.every(isStepgateHttp);
};
const hasStepgatePrefix = (route: Obj): boolean => ((route.match as Obj[]) ?? []).some((m) => get(m, 'uri.prefix') === '/.stepgate/');

describe('stepgate policy in the ConfigMap', () => {
  it('is what --config reads, through a directory mount, and passes stepgate validation', () => {
    const { key, config } = mountedPolicy();
    expect(key).toBe('stepgate.yaml');
    expect(config.issuers.length).toBeGreaterThan(0);
  });

  it('listens on the port the container declares as grpc', () => {
    const { config } = mountedPolicy();
    const port = Number(config.server.grpc_listen.split(':').pop());
    expect(containerPort(container, 'grpc')?.containerPort).toBe(port);
    expect(container.env ?? []).not.toContainEqual(expect.objectContaining({ name: 'STEPGATE_GRPC_LISTEN' }));
  });

  it('serves the step-up routes on the port the container, the Service and the NetworkPolicy call http; no HTTP authz listener', () => {
    const { config } = mountedPolicy();
    expect(config.stepup.oidc, 'stepup.oidc: the step-up routes are served').toBeDefined();
    expect(config.server.http_listen).not.toBe('off');
    const port = Number(config.server.http_listen.split(':').pop());
    expect(containerPort(container, 'http')?.containerPort).toBe(port);
    expect(httpServicePort()).toMatchObject({ port, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' });
    // The forward-auth listener believes X-Forwarded-* from trusted proxies: never on in this deployment.
    expect(config.server.authz_http_listen).toBe('off');
    for (const name of ['STEPGATE_HTTP_LISTEN', 'STEPGATE_AUTHZ_HTTP_LISTEN']) {
      expect(container.env ?? []).not.toContainEqual(expect.objectContaining({ name }));
    }
    const np = one(base.objects, 'NetworkPolicy', 'stepgate');
    const toHttp = get<Obj[]>(np, 'spec.ingress').filter((r) => (r.ports as Obj[]).some((p) => p.port === port || p.port === 'http'));
    expect(toHttp).toHaveLength(1);
    for (const policy of customPolicies()) {
      expect(toHttp[0]!.from).toEqual([
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': policy.metadata.namespace } },
          podSelector: { matchLabels: get(policy, 'spec.selector.matchLabels') },
        },
      ]);
    }
  });

  it('the env vars named by stepup.oidc.client_secret_env and stepup.session.keys_env come from the Secret, required', () => {
    const { config } = mountedPolicy();
    const wanted = {
      [config.stepup.oidc!.client_secret_env]: 'oidc-client-secret',
      [config.stepup.session!.keys_env]: 'session-keys',
    };
    const env = (container.env as Obj[]) ?? [];
    for (const [name, key] of Object.entries(wanted)) {
      const entries = env.filter((e) => e.name === name);
      expect(entries, name).toHaveLength(1);
      expect(entries[0]!.value, `${name} is never written in the manifests`).toBeUndefined();
      // Not optional: a missing Secret must stop the pod before it starts, naming the Secret.
      expect(get(entries[0], 'valueFrom.secretKeyRef'), name).toEqual({ name: 'stepgate-secrets', key });
    }
    // No optional bulk import that could silently leave them unset either.
    expect(container.envFrom).toBeUndefined();
    expect(find(base.objects, 'Secret')).toEqual([]);
  });

  it("stepup.url and the OIDC redirect_uri are on a host the gateway routes to stepgate's http port over TLS", () => {
    const { config } = mountedPolicy();
    for (const raw of [config.stepup.url!, config.stepup.oidc!.redirect_uri]) {
      const url = new URL(raw);
      expect(url.protocol).toBe('https:');
      expect(url.pathname.startsWith('/.stepgate/'), raw).toBe(true);
      const gateways = find(istio, 'Gateway').filter((g) =>
        get<Obj[]>(g, 'spec.servers').some((sv) => (sv.hosts as string[]).map(servedHost).includes(url.hostname) && get(sv, 'port.number') === 443 && get(sv, 'tls.mode') === 'SIMPLE'),
      );
      expect(gateways.length, `a Gateway serves ${url.hostname} on 443 with TLS`).toBeGreaterThan(0);
      const services = find(istio, 'VirtualService').filter(
        (v) => (get<string[]>(v, 'spec.hosts') ?? []).includes(url.hostname) && (get<string[]>(v, 'spec.gateways') ?? []).some((g) => gateways.some((gw) => gw.metadata.name === g)),
      );
      expect(services, `one VirtualService for ${url.hostname} on that Gateway`).toHaveLength(1);
      const routes = get<Obj[]>(services[0], 'spec.http');
      // The first route whose prefix covers the URL's path is the one that decides.
      const deciding = routes.find((r) => !r.match || ((r.match as Obj[]).some((m) => url.pathname.startsWith(String(get(m, 'uri.prefix') ?? '\u0000')))));
      expect(deciding && isStepgateRoute(deciding), `${raw} reaches stepgate's http port`).toBe(true);
    }
  });

  it('the session cookie domain covers every return host, so a finished step-up is seen where it was needed', () => {
    const { config } = mountedPolicy();
    const domain = config.stepup.session!.domain!;
    expect(domain).toBeTypeOf('string');
    expect(new URL(config.stepup.url!).hostname.endsWith(`.${domain}`)).toBe(true);
    expect(config.stepup.return_hosts.length).toBeGreaterThan(0);
    for (const h of config.stepup.return_hosts) expect(h.endsWith(`.${domain}`), h).toBe(true);
    // Every host the policy protects is a return host: a browser stepped up there comes back.
    for (const h of [...config.kubernetes.hosts, ...config.policy.rules.flatMap((r) => r.match.hosts ?? [])]) expect(config.stepup.return_hosts).toContain(h);
  });

  it('the mesh sends request bodies, bounded by limits.max_body_bytes, cut rather than refused, as bytes', () => {
    const { config } = mountedPolicy();
    expect(config.guardrails, 'the policy inspects bodies').toBeDefined();
    for (const p of meshProviders().operator) {
      const body = p.envoyExtAuthzGrpc.includeRequestBodyInCheck;
      expect(body, p.name).toBeDefined();
      expect(body!.maxRequestBytes).toBeGreaterThan(0);
      expect(body!.maxRequestBytes!).toBeLessThanOrEqual(config.limits.max_body_bytes);
      expect(body!.allowPartialMessage).toBe(true);
      expect(body!.packAsBytes).toBe(true);
    }
  });

  it('the risk engine and the state store are configured; the replicas share the bundled Redis', () => {
    const { config } = mountedPolicy();
    expect(config.risk?.enabled).toBe(true);
    expect(config.risk!.bands.length).toBeGreaterThan(0);
    expect(config.policy.rules.some((r) => (r.sensitivity ?? 0) > 0)).toBe(true);
    // Several replicas (Deployment, HPA) with one memory each would decide differently.
    expect(config.state.store).toBe('redis');
    expect(config.state.on_state_error).toBe('fail_closed');
  });

  it('serves metrics on the port the container, the Service and the scrape annotation name', () => {
    const { config } = mountedPolicy();
    // telemetry.metrics_listen (default 0.0.0.0:9464) is read loosely: it lands in its own change.
    const listen = (config as { telemetry?: { metrics_listen?: string } }).telemetry?.metrics_listen ?? '0.0.0.0:9464';
    expect(listen).not.toBe('off');
    const port = Number(listen.split(':').pop());
    expect(containerPort(container, 'metrics')?.containerPort).toBe(port);
    expect(get(deployment, 'spec.template.metadata.annotations')).toMatchObject({ 'prometheus.io/port': String(port) });
    expect(get<Obj[]>(service, 'spec.ports').find((p) => p.name === 'metrics')?.targetPort).toBe('metrics');
  });

  it('every host it has rules for is sent to stepgate by a CUSTOM policy, with and without a port', () => {
    const { config } = mountedPolicy();
    const hosts = [...config.kubernetes.hosts, ...config.policy.rules.flatMap((r) => r.match.hosts ?? [])];
    expect(hosts.length).toBeGreaterThan(0);
    const checked = checkedHosts();
    for (const h of hosts) {
      expect(checked, `${h} is never checked`).toContain(h);
      expect(checked, `${h}:443 is never checked`).toContain(`${h}:*`);
    }
  });

  it('issuer key fetches time out before the ext_authz call does', () => {
    const { config } = mountedPolicy();
    const seconds = (d: string) => (d.endsWith('ms') ? Number(d.slice(0, -2)) / 1000 : Number(d.slice(0, -1)));
    for (const p of meshProviders().operator) {
      const timeout = seconds(p.envoyExtAuthzGrpc.timeout ?? '0.2s'); // Istio's default
      for (const iss of config.issuers) expect(iss.fetch_timeout_ms / 1000).toBeLessThan(timeout);
    }
  });

  it('the pod outlives preStop plus the drain: terminationGracePeriodSeconds > sleep + shutdown_grace_seconds', () => {
    const { config } = mountedPolicy();
    const sleep = get<number>(container, 'lifecycle.preStop.sleep.seconds') ?? 0;
    expect(podSpec.terminationGracePeriodSeconds as number).toBeGreaterThan(sleep + config.server.shutdown_grace_seconds);
  });
});

describe('mesh config ↔ Service ↔ Deployment', () => {
  it('the IstioOperator and Helm values forms declare the same providers, failing closed', () => {
    const { operator, helm } = meshProviders();
    expect(helm).toEqual(operator);
    for (const p of operator) expect(p.envoyExtAuthzGrpc.failOpen).toBe(false);
  });

  it('every CUSTOM AuthorizationPolicy names a provider the mesh config declares', () => {
    const names = meshProviders().operator.map((p) => p.name);
    expect(customPolicies().length).toBeGreaterThanOrEqual(1);
    for (const p of customPolicies()) expect(names, p.metadata.name).toContain(get(p, 'spec.provider.name'));
  });

  it("the provider's service host and port are the stepgate Service's grpc port", () => {
    for (const p of meshProviders().operator) {
      const { service: host, port } = p.envoyExtAuthzGrpc;
      expect(host).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`);
      const svcPort = (get<Obj[]>(service, 'spec.ports') ?? []).find((sp) => sp.port === port);
      expect(svcPort, `Service port ${port}`).toBeDefined();
      expect(svcPort!.name).toBe('grpc');
      expect(svcPort!.appProtocol).toBe('grpc');
    }
  });

  it('the Service selects the pods, and each targetPort is a port the container declares', () => {
    expect(selects(get(service, 'spec.selector'), podLabels(deployment))).toBe(true);
    for (const sp of get<Obj[]>(service, 'spec.ports')) {
      const cp = containerPort(container, sp.targetPort ?? sp.port);
      expect(cp, `targetPort ${String(sp.targetPort)}`).toBeDefined();
      expect(cp!.protocol ?? 'TCP').toBe(sp.protocol ?? 'TCP');
    }
  });

  it('probes are native gRPC probes on a container port, asking for services stepgate serves', () => {
    const served = ['', AUTHORIZATION_SERVICE];
    for (const kind of ['readinessProbe', 'livenessProbe']) {
      const probe = container[kind] as Obj;
      expect(probe, kind).toBeDefined();
      const grpc = probe.grpc as { port: number; service?: string };
      expect(containerPort(container, grpc.port), `${kind} port`).toBeDefined();
      expect(served).toContain(grpc.service ?? '');
    }
    // Readiness asks for the ext_authz service itself: it is what turns NOT_SERVING on SIGTERM.
    expect(get(container, 'readinessProbe.grpc.service')).toBe(AUTHORIZATION_SERVICE);
  });
});

describe('Deployment, PDB, HPA, NetworkPolicy', () => {
  it('the Deployment selects its own pods, with 2 replicas spread over nodes', () => {
    expect(selects(get(deployment, 'spec.selector'), podLabels(deployment))).toBe(true);
    expect(get(deployment, 'spec.replicas')).toBe(2);
    const terms = get<Obj[]>(podSpec, 'affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution') ?? [];
    const term = terms.map((t) => t.podAffinityTerm as Obj).find((t) => t.topologyKey === 'kubernetes.io/hostname');
    expect(term, 'anti-affinity on hostname').toBeDefined();
    expect(selects(term!.labelSelector, podLabels(deployment))).toBe(true);
  });

  it('runs hardened: non-root, no privilege escalation, read-only root, no capabilities, RuntimeDefault seccomp, no API token', () => {
    expect(get(podSpec, 'securityContext.runAsNonRoot')).toBe(true);
    expect(get(podSpec, 'securityContext.runAsUser')).toBeGreaterThan(0);
    expect(get(podSpec, 'securityContext.seccompProfile.type')).toBe('RuntimeDefault');
    expect(get(container, 'securityContext.allowPrivilegeEscalation')).toBe(false);
    expect(get(container, 'securityContext.readOnlyRootFilesystem')).toBe(true);
    expect(get(container, 'securityContext.capabilities.drop')).toEqual(['ALL']);
    expect(podSpec.automountServiceAccountToken).toBe(false);
    const sa = one(base.objects, 'ServiceAccount', podSpec.serviceAccountName as string);
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(get(container, 'resources.requests.cpu')).toBeDefined();
    expect(get(container, 'resources.limits.memory')).toBeDefined();
  });

  it('the PodDisruptionBudget and the HPA target the Deployment', () => {
    const pdb = one(base.objects, 'PodDisruptionBudget');
    expect(selects(get(pdb, 'spec.selector'), podLabels(deployment))).toBe(true);
    const hpa = one(base.objects, 'HorizontalPodAutoscaler');
    expect(get(hpa, 'spec.scaleTargetRef')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(get(hpa, 'spec.minReplicas')).toBe(get(deployment, 'spec.replicas'));
    // Utilization targets are relative to requests: without a CPU request the HPA cannot work.
    expect(get(container, 'resources.requests.cpu')).toBeDefined();
  });

  it("the NetworkPolicy selects stepgate's pods; only the gateway's pods reach the gRPC port", () => {
    const np = one(base.objects, 'NetworkPolicy', 'stepgate');
    expect(selects(get(np, 'spec.podSelector'), podLabels(deployment))).toBe(true);
    expect(get(np, 'spec.policyTypes')).toContain('Ingress');
    const rules = get<Obj[]>(np, 'spec.ingress');
    const grpcPort = containerPort(container, 'grpc')!.containerPort;
    const toGrpc = rules.filter((r) => (r.ports as Obj[]).some((p) => p.port === grpcPort || p.port === 'grpc'));
    expect(toGrpc).toHaveLength(1);
    // The peer is the workload the AuthorizationPolicies attach to, in their namespace.
    const peers = toGrpc[0]!.from as Obj[];
    expect(peers).toHaveLength(1);
    for (const policy of customPolicies()) {
      expect(get(peers[0], 'namespaceSelector.matchLabels')).toEqual({ 'kubernetes.io/metadata.name': policy.metadata.namespace });
      expect(get(peers[0], 'podSelector.matchLabels')).toEqual(get(policy, 'spec.selector.matchLabels'));
    }
  });

  it("every NetworkPolicy port is a port of the pods it selects (or the sidecar's merged-metrics port)", () => {
    const SIDECAR_METRICS = 15020;
    for (const render of [base, singleReplica, externalRedis]) {
      for (const np of find(render.objects, 'NetworkPolicy')) {
        const workloads = [...find(render.objects, 'Deployment'), ...find(render.objects, 'StatefulSet')];
        const pods = workloads.filter((d) => selects(get(np, 'spec.podSelector'), podLabels(d)));
        expect(pods, `${np.metadata.name} selects one workload`).toHaveLength(1);
        const cs = containers(get<Obj>(pods[0], 'spec.template.spec'));
        for (const rule of get<Obj[]>(np, 'spec.ingress')) {
          for (const p of rule.ports as Obj[]) {
            const known = p.port === SIDECAR_METRICS || cs.some((c) => containerPort(c, p.port));
            expect(known, `${np.metadata.name}: port ${String(p.port)}`).toBe(true);
          }
        }
      }
    }
  });

  it('every namespaced object lives in the Namespace the base creates', () => {
    const ns = one(base.objects, 'Namespace').metadata.name;
    for (const o of [...base.objects, ...singleReplica.objects, ...externalRedis.objects].filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(ns);
  });
});

describe('istio/: what reaches the gateway is checked, and nothing skips the check by accident', () => {
  it("every host a Gateway serves is checked by stepgate on the policies' workload, or serves only stepgate's own routes", () => {
    const checked = checkedHosts();
    const selectors = new Set(customPolicies().map((p) => JSON.stringify(get(p, 'spec.selector.matchLabels'))));
    let stepgateOnly = 0;
    for (const gw of find(istio, 'Gateway')) {
      expect(selectors).toContain(JSON.stringify(get(gw, 'spec.selector')));
      for (const server of get<Obj[]>(gw, 'spec.servers')) {
        for (const scoped of server.hosts as string[]) {
          // A host without `namespace/` takes routes from VirtualServices in every namespace: an
          // app team's VirtualService could add a route to the API server there, unchecked.
          expect(scoped, `${gw.metadata.name}: ${scoped} binds routes from its own namespace only`).toMatch(/^\.\//);
          const h = servedHost(scoped);
          if (checked.has(h)) continue;
          // An unchecked host (the auth host) may only reach stepgate's step-up port or be answered
          // by the gateway itself: nothing upstream is ever reachable without a check.
          const vss = find(istio, 'VirtualService').filter((v) => (get<string[]>(v, 'spec.hosts') ?? []).includes(h));
          for (const vs of vss) expect(vs.metadata.namespace, `${vs.metadata.name} binds to ${gw.metadata.name}`).toBe(gw.metadata.namespace);
          expect(vss.length, `${gw.metadata.name}: ${h} is neither checked nor routed`).toBeGreaterThan(0);
          for (const vs of vss) {
            for (const r of get<Obj[]>(vs, 'spec.http')) {
              expect(r.directResponse !== undefined || isStepgateRoute(r), `${vs.metadata.name}/${String(r.name)}`).toBe(true);
              if (!r.directResponse) expect(hasStepgatePrefix(r), `${vs.metadata.name}/${String(r.name)} only /.stepgate/`).toBe(true);
            }
          }
          stepgateOnly++;
        }
        expect(get(server, 'tls.mode'), 'clients reach the gateway over TLS').toBe('SIMPLE');
      }
    }
    expect(stepgateOnly, 'the auth host').toBeGreaterThan(0);
  });

  it("paths exempted from the check (/.stepgate/*) go to stepgate's http port, never upstream", () => {
    const exempt = customPolicies().flatMap((p) => get<Obj[]>(p, 'spec.rules').flatMap((r) => (r.to as Obj[]).map((t) => t.operation as Obj)));
    expect(exempt.length).toBeGreaterThan(0);
    for (const op of exempt) expect(op.notPaths).toEqual(['/.stepgate/*']);
    const exemptHosts = new Set(exempt.flatMap((op) => op.hosts as string[]));
    const covered = find(istio, 'VirtualService').filter((v) => (get<string[]>(v, 'spec.hosts') ?? []).some((h) => exemptHosts.has(h)));
    expect(covered.length).toBeGreaterThan(0);
    for (const vs of covered) {
      const routes = get<Obj[]>(vs, 'spec.http');
      const guard = routes.findIndex(hasStepgatePrefix);
      const firstCatchAll = routes.findIndex((r) => !r.match);
      expect(guard, `${vs.metadata.name} has a /.stepgate/ route`).toBeGreaterThanOrEqual(0);
      // Before any route that could take /.stepgate/ paths upstream.
      expect(guard).toBeLessThan(firstCatchAll < 0 ? routes.length : firstCatchAll);
      for (const r of routes.slice(0, guard)) expect(((r.match as Obj[]) ?? []).some((m) => String(get(m, 'uri.prefix') ?? '').startsWith('/.stepgate')), String(r.name)).toBe(false);
      expect(isStepgateRoute(routes[guard]!), `${vs.metadata.name}: /.stepgate/ goes to the Service's http port`).toBe(true);
      expect(routes[guard]!.directResponse).toBeUndefined();
    }
  });

  it('the API server route goes to a ServiceEntry host with verified TLS', () => {
    const vs = one(istio, 'VirtualService', 'kube-apiserver');
    const se = one(istio, 'ServiceEntry', 'kube-apiserver');
    const dr = one(istio, 'DestinationRule', 'kube-apiserver');
    const gw = one(istio, 'Gateway', 'kube-apiserver');
    expect(get(vs, 'spec.gateways')).toEqual([gw.metadata.name]);
    expect(vs.metadata.namespace).toBe(gw.metadata.namespace);
    const destinations = get<Obj[]>(vs, 'spec.http').filter((r) => !isStepgateRoute(r)).flatMap(routeDestinations);
    expect(destinations.length).toBeGreaterThan(0);
    for (const d of destinations) {
      expect(get<string[]>(se, 'spec.hosts')).toContain(d.host);
      expect(get<Obj[]>(se, 'spec.ports').map((p) => p.number)).toContain(get(d, 'port.number'));
    }
    expect(get<string[]>(se, 'spec.hosts')).toContain(get(dr, 'spec.host'));
    expect(get(dr, 'spec.trafficPolicy.tls.mode')).toBe('SIMPLE');
    expect(get(dr, 'spec.trafficPolicy.tls.credentialName')).toBeTypeOf('string');
    expect(get(dr, 'spec.trafficPolicy.tls.insecureSkipVerify')).toBeUndefined();
  });
});

describe("the shipped policy guards stepgate and the mesh in front of it", () => {
  // One write in either place rewrites what every rule asks, for everyone: these follow the names
  // (stepgate's Namespace, the CUSTOM policies' namespace) so that renaming one without the policy fails here.
  it("asks the strongest level for a write to stepgate's namespace, a shell into it, the gateway's policies, routes and mesh config, and a shell or tunnel into the mesh's pods", () => {
    const { config } = mountedPolicy();
    const assurance = compileAssurance(config.assurance.levels);
    const policy = compilePolicy(config, assurance);
    const kubeHost = config.kubernetes.hosts[0]!;
    const ask = (method: string, target: string) => policy.evaluate(kubeReq(method, target, kubeHost, (h) => h === kubeHost), who());
    const strongest = assurance.names.length - 1;
    const ns = one(base.objects, 'Namespace').metadata.name;
    const gatewayNs = new Set(customPolicies().map((p) => p.metadata.namespace!));
    const guarded: [string, string][] = [
      ['PATCH', `/api/v1/namespaces/${ns}/configmaps/${configMap.metadata.name}`],
      ['PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/${deployment.metadata.name}`],
      ['DELETE', `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/stepgate`],
      ['POST', `/api/v1/namespaces/${ns}/pods/stepgate-redis-0/exec`],
      ['GET', `/api/v1/namespaces/${ns}/secrets/stepgate-secrets`],
      ['GET', `/api/v1/namespaces/${ns}/pods/stepgate-redis-0/portforward`],
      ['POST', '/apis/networking.istio.io/v1alpha3/namespaces/shop/envoyfilters'],
    ];
    for (const g of gatewayNs) {
      for (const p of customPolicies().filter((x) => x.metadata.namespace === g)) guarded.push(['DELETE', `/apis/security.istio.io/v1/namespaces/${g}/authorizationpolicies/${p.metadata.name}`]);
      for (const v of find(istio, 'VirtualService').filter((x) => x.metadata.namespace === g)) guarded.push(['PATCH', `/apis/networking.istio.io/v1/namespaces/${g}/virtualservices/${v.metadata.name}`]);
      guarded.push(['PATCH', `/api/v1/namespaces/${g}/configmaps/istio`]);
      guarded.push(['POST', `/api/v1/namespaces/${g}/pods/istio-ingressgateway-5c7d8f9b6-m2v7t/portforward`], ['GET', `/api/v1/namespaces/${g}/pods/istiod-7f6d9c8b4-hx2qv/exec`]);
    }
    for (const [method, target] of guarded) {
      const r = ask(method, target);
      expect(r.deny || r.level === strongest, `${method} ${target}: ${r.rules.join(',')}`).toBe(true);
    }
    // What on-call does with stepgate in an incident stays at the everyday requirement.
    for (const [method, target] of [
      ['GET', `/api/v1/namespaces/${ns}/pods`],
      ['GET', `/api/v1/namespaces/${ns}/pods/stepgate-0/log`],
      ['POST', `/api/v1/namespaces/${ns}/pods/stepgate-0/eviction`],
    ] as const) {
      expect(ask(method, target).rules, `${method} ${target}`).toEqual(['default']);
    }
  });
});

const stepgateContainer = (objects: TypedObject[]) =>
  containers(get<Obj>(one(objects, 'Deployment', 'stepgate'), 'spec.template.spec')).find((x) => x.name === 'stepgate')!;
const plainEnv = (c: Obj) => Object.fromEntries(((c.env as Obj[]) ?? []).filter((e) => typeof e.value === 'string').map((e) => [e.name as string, e.value as string]));
const secretEnv = (c: Obj) =>
  Object.fromEntries(((c.env as Obj[]) ?? []).filter((e) => e.valueFrom !== undefined).map((e) => [e.name as string, get<string>(e, 'valueFrom.secretKeyRef.key')]));
const policyOf = (objects: TypedObject[]) =>
  parseConfig((one(objects, 'ConfigMap', 'stepgate-config').data as Record<string, string>)['stepgate.yaml']!, 'deploy/base/stepgate.yaml');

describe('deploy/base: the bundled Redis', () => {
  it('REDIS_URL points at the Redis Service; the password comes from the Secret, for stepgate and Redis alike', () => {
    const c = stepgateContainer(base.objects);
    const env = plainEnv(c);
    const url = new URL(env.REDIS_URL!);
    const svc = one(base.objects, 'Service', 'stepgate-redis');
    expect(url.hostname).toBe(`${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`);
    expect(get<Obj[]>(svc, 'spec.ports').map((p) => p.port)).toContain(Number(url.port));
    expect(url.password).toBe('');
    const { config } = mountedPolicy();
    const passwordVar = config.state.redis!.password_env!;
    const stepgateKey = secretEnv(c)[passwordVar];
    expect(stepgateKey).toBe('redis-password');
    const sts = one(base.objects, 'StatefulSet', 'stepgate-redis');
    const r = containers(get<Obj>(sts, 'spec.template.spec')).find((x) => x.name === 'redis')!;
    const args = r.args as string[];
    const ref = args[args.indexOf('--requirepass') + 1]!;
    expect(ref).toMatch(/^\$\((\w+)\)$/);
    expect(secretEnv(r)[ref.slice(2, -1)]).toBe(stepgateKey);
    expect(() => redisConnection(config.state, { ...env, [passwordVar]: 'x' })).not.toThrow();
  });

  it('Redis keeps what it holds across restarts (append-only file on a claimed volume) and runs a pinned image', () => {
    const sts = one(base.objects, 'StatefulSet', 'stepgate-redis');
    const r = containers(get<Obj>(sts, 'spec.template.spec')).find((x) => x.name === 'redis')!;
    const args = r.args as string[];
    expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
    expect(String(r.image)).toMatch(/^redis:\d+\.\d+\.\d+(-[a-z]+)?(@sha256:[0-9a-f]{64})?$/);
    const mount = (r.volumeMounts as Obj[]).find((m) => m.mountPath === '/data')!;
    const claims = get<Obj[]>(sts, 'spec.volumeClaimTemplates');
    expect(claims.map((t) => get(t, 'metadata.name'))).toContain(mount.name);
    expect(get(sts, 'spec.replicas')).toBe(1);
    expect(get(sts, 'spec.serviceName')).toBe('stepgate-redis');
  });

  it('only stepgate reaches Redis, and the Redis Service selects the Redis pods', () => {
    const svc = one(base.objects, 'Service', 'stepgate-redis');
    const pods = one(base.objects, 'StatefulSet', 'stepgate-redis');
    expect(selects(get(svc, 'spec.selector'), podLabels(pods))).toBe(true);
    const np = one(base.objects, 'NetworkPolicy', 'stepgate-redis');
    const from = get<Obj[]>(np, 'spec.ingress').flatMap((r) => r.from as Obj[]);
    expect(from).toHaveLength(1);
    expect(selects(from[0]!.podSelector, podLabels(deployment))).toBe(true);
  });
});

describe('deploy/overlays/single-replica', () => {
  it('one replica on the memory store, no autoscaler, no Redis, and the same policy and container otherwise', () => {
    expect(get(one(singleReplica.objects, 'Deployment', 'stepgate'), 'spec.replicas')).toBe(1);
    expect(find(singleReplica.objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(singleReplica.objects.filter((o) => o.metadata.name === 'stepgate-redis')).toEqual([]);
    expect(one(singleReplica.objects, 'ConfigMap', 'stepgate-config')).toEqual(configMap);
    const c = stepgateContainer(singleReplica.objects);
    const env = plainEnv(c);
    expect(env.STEPGATE_STATE_STORE).toBe('memory');
    expect(Object.keys(secretEnv(c))).not.toContain('REDIS_PASSWORD');
    expect(withEnvOverrides(policyOf(singleReplica.objects), env).state.store).toBe('memory');
    expect({ ...c, env: undefined, volumeMounts: undefined }).toEqual({ ...container, env: undefined, volumeMounts: undefined });
  });

  it('keeps its history on a volume across restarts: snapshot file on a PVC one pod mounts at a time', () => {
    const d = one(singleReplica.objects, 'Deployment', 'stepgate');
    const c = stepgateContainer(singleReplica.objects);
    const path = withEnvOverrides(policyOf(singleReplica.objects), plainEnv(c)).state.memory.snapshot_path!;
    expect(path).toMatch(/^\//);
    const mount = (c.volumeMounts as Obj[]).find((m) => path.startsWith(`${m.mountPath as string}/`))!;
    expect(mount.readOnly).not.toBe(true);
    const volume = get<Obj[]>(d, 'spec.template.spec.volumes').find((v) => v.name === mount.name)!;
    const claim = one(singleReplica.objects, 'PersistentVolumeClaim', get<string>(volume, 'persistentVolumeClaim.claimName'));
    expect(get(claim, 'spec.accessModes')).toEqual(['ReadWriteOnce']);
    // A ReadWriteOnce volume and a surge pod on another node would never both start.
    expect(get(d, 'spec.strategy')).toEqual({ type: 'Recreate' });
    // The image's user (non-root, read-only root filesystem) can write the volume.
    expect(get(d, 'spec.template.spec.securityContext.fsGroup')).toBe(get(d, 'spec.template.spec.securityContext.runAsGroup'));
    // The config mount and the rest of the base's container are unchanged.
    expect((c.volumeMounts as Obj[]).filter((m) => m !== mount)).toEqual(container.volumeMounts);
  });
});

describe('deploy/overlays/external-redis', () => {
  it('drops the bundled Redis and points REDIS_URL elsewhere, over TLS; the rest is the base', () => {
    expect(externalRedis.objects.filter((o) => o.metadata.name === 'stepgate-redis')).toEqual([]);
    const c = stepgateContainer(externalRedis.objects);
    const env = plainEnv(c);
    expect(new URL(env.REDIS_URL!).protocol).toBe('rediss:');
    expect(secretEnv(c).REDIS_PASSWORD).toBe('redis-password');
    const effective = withEnvOverrides(policyOf(externalRedis.objects), env);
    expect(() => redisConnection(effective.state, { ...env, REDIS_PASSWORD: 'x' })).not.toThrow();
    expect({ ...c, env: undefined }).toEqual({ ...container, env: undefined });
  });
});
