import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { hostPattern } from './common.js';

/** The default `kubernetes.step_up_hint`: what the stepgate credential plugin user does. */
export const DEFAULT_STEP_UP_HINT = 'The stepgate credential plugin steps up when this command fails: run it again, or first: kubectl stepgate login --level {level}';

/** `kubernetes`: which hosts are the API server, the challenge memory for the kubectl plugin. */
export const kubernetesSchema = z
  .strictObject({
    hosts: z.array(hostPattern).default([]),
    // Dashboards that pass the Kubernetes API through under a path prefix, with the user's own
    // identity (Headlamp's /clusters/<name>/api/…, Rancher's /k8s/clusters/<id>/api/…): what
    // follows the prefix is read as an API server path, so `match.kubernetes` rules see it.
    proxies: z
      .array(
        z.strictObject({
          hosts: z.array(hostPattern).min(1),
          prefix: z.string().regex(/^(\/([^/*]+|\*))+$/, 'a path of literal segments and * (one whole segment each), such as /clusters/*'),
        }),
      )
      .default([]),
    // Web UIs whose own API the backend answers with the caller's token against the API server
    // (the Kubernetes Dashboard's /api/v1/secret/<ns>/<name>, the Argo Server's
    // /api/v1/workflows/<ns>): each path is read as the API server request it stands for, so
    // `match.kubernetes` rules, the working set and the guardrails see it.
    web_apis: z
      .array(
        z.strictObject({
          hosts: z.array(hostPattern).min(1),
          // core/glob.ts's WebApi; runtime.ts passes these to compileHostMatcher, so tsc keeps the two alike.
          api: z.enum(['kubernetes-dashboard', 'argo-server', 'rancher', 'argo-cd']),
        }),
      )
      .default([]),
    // Several clusters behind one gateway: which API hosts are which cluster. The risk engine
    // keeps a working set per cluster, so `payments-prod` on one cluster is not familiar because
    // the engineer works in `payments-prod` on another. Hosts not listed are one unnamed cluster.
    clusters: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/, 'a lower-case name of letters, digits, ".", "_" and "-", such as dublin or prod-eu-1'),
          hosts: z.array(hostPattern).min(1),
        }),
      )
      .default([])
      .superRefine((clusters, ctx) => {
        const seen = new Set<string>();
        clusters.forEach((c, i) => {
          if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `cluster name "${c.name}" is used twice` });
          seen.add(c.name);
        });
      }),
    // A Kubernetes API request (a path only kube-apiserver serves, or a Kubernetes client's headers
    // on an API path: request/unlisted-api.ts) on a host none of the above names: a gateway route
    // reaches the API server under a spelling the list lacks, and without this no Kubernetes rule,
    // guardrail or working set would see it. refuse (kubernetes_host_unlisted) until the host is
    // listed; judge it as a Kubernetes request; or allow it through as a web request. Every case
    // is logged with the host (unlisted_api).
    unlisted_api_requests: z.enum(['refuse', 'judge', 'allow']).default('refuse'),
    // How long the last step-up challenge per credential is kept for the credential plugin
    // (GET /.stepgate/v1/challenge); 0 turns remembering off.
    challenge_ttl_seconds: z.number().int().min(0).max(3600).default(300),
    // How long an OpenShift console session cookie stays bound to the stepgate identity that first
    // presented it (pipeline/console-sessions.ts): the console's session lives as long as its OAuth
    // access token, 24 h by default (oauth.config.openshift.io accessTokenMaxAgeSeconds).
    console_session_seconds: z.number().int().min(60).max(2_592_000).default(86_400),
    // What the kubectl message tells the user to do; {level} and {max_age} are filled in.
    step_up_hint: z.string().max(300).default(DEFAULT_STEP_UP_HINT),
  })
  .prefault({});

/** How each `kubernetes` key applies on reload (schema/apply.ts). */
export const KUBERNETES_APPLY = {
  'kubernetes.hosts': 'live',
  'kubernetes.proxies[].hosts': 'live',
  'kubernetes.proxies[].prefix': 'live',
  'kubernetes.web_apis[].hosts': 'live',
  'kubernetes.web_apis[].api': 'live',
  'kubernetes.clusters[].name': 'live',
  'kubernetes.clusters[].hosts': 'live',
  'kubernetes.unlisted_api_requests': 'live',
  'kubernetes.challenge_ttl_seconds': 'live',
  'kubernetes.console_session_seconds': 'live',
  'kubernetes.step_up_hint': 'live',
} as const satisfies ApplyTable;
