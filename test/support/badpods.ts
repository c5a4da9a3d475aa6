/**
 * The eight pods of BishopFox's badPods (github.com/BishopFox/badPods), as what each one sets, and
 * each as every workload kind that runs a pod, for test/integration/attack-catalog.test.ts. Written
 * here from the catalog's description of each pod rather than copied: what matters to stepgate is
 * which host access a spec asks for, and every kind's body has it where kube-apiserver reads it.
 */

/** What each pod of the catalog asks of the node. */
const PODS: Readonly<Record<string, { hostNetwork?: true; hostPID?: true; hostIPC?: true; privileged?: true; hostRoot?: true; nsenter?: true }>> = {
  'everything-allowed': { hostNetwork: true, hostPID: true, hostIPC: true, privileged: true, hostRoot: true },
  'priv-and-hostpid': { hostPID: true, privileged: true, nsenter: true },
  priv: { privileged: true },
  hostpath: { hostRoot: true },
  hostpid: { hostPID: true },
  hostnetwork: { hostNetwork: true },
  hostipc: { hostIPC: true },
  'nothing-allowed': {},
};

export const BADPOD_NAMES: readonly string[] = Object.keys(PODS);

export const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

type Doc = Record<string, unknown>;

function podSpec(pod: string, name: string, restartPolicy: string | undefined): Doc {
  const p = PODS[pod]!;
  const container: Doc = {
    name,
    image: 'ubuntu',
    // Each pod's way in: a root shell in the host's namespaces, or a process that waits for exec.
    command: p.nsenter ? ['nsenter', '--target', '1', '--mount', '--uts', '--ipc', '--net', '--pid', '--', 'bash'] : ['/bin/sh', '-c', '--'],
    ...(p.nsenter ? { tty: true } : { args: ['while true; do sleep 30; done;'] }),
    ...(p.privileged ? { securityContext: { privileged: true } } : {}),
    ...(p.hostRoot ? { volumeMounts: [{ mountPath: '/host', name: 'noderoot' }] } : {}),
  };
  return {
    ...(p.hostNetwork ? { hostNetwork: true } : {}),
    ...(p.hostPID ? { hostPID: true } : {}),
    ...(p.hostIPC ? { hostIPC: true } : {}),
    containers: [container],
    ...(p.hostRoot ? { volumes: [{ name: 'noderoot', hostPath: { path: '/' } }] } : {}),
    ...(restartPolicy !== undefined ? { restartPolicy } : {}),
  };
}

/** The documents `kubectl apply -f` of one pod as one kind sends (a StatefulSet comes with its headless Service). */
export function badPod(pod: string, kind: WorkloadKind): Doc[] {
  const name = `${pod}-exec-${kind.toLowerCase()}`;
  const labels = { app: 'pentest', type: kind.toLowerCase() };
  const template = (restart?: string) => ({ metadata: { labels }, spec: podSpec(pod, name, restart) });
  const meta = { name, labels };
  switch (kind) {
    case 'Pod':
      return [{ apiVersion: 'v1', kind, metadata: meta, spec: podSpec(pod, name, undefined) }];
    case 'Deployment':
    case 'ReplicaSet':
      return [{ apiVersion: 'apps/v1', kind, metadata: meta, spec: { replicas: 2, selector: { matchLabels: labels }, template: template() } }];
    case 'DaemonSet':
      return [{ apiVersion: 'apps/v1', kind, metadata: meta, spec: { selector: { matchLabels: labels }, template: template() } }];
    case 'StatefulSet':
      return [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: `${name}-service`, labels }, spec: { clusterIP: 'None', selector: labels, ports: [{ port: 80, name: 'web' }] } },
        { apiVersion: 'apps/v1', kind, metadata: meta, spec: { serviceName: `${name}-service`, replicas: 2, selector: { matchLabels: labels }, template: template() } },
      ];
    case 'ReplicationController':
      return [{ apiVersion: 'v1', kind, metadata: meta, spec: { replicas: 2, selector: labels, template: template() } }];
    case 'Job':
      return [{ apiVersion: 'batch/v1', kind, metadata: meta, spec: { template: template('Never') } }];
    case 'CronJob':
      return [{ apiVersion: 'batch/v1', kind, metadata: meta, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: template('Never') } } } }];
  }
}
