import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { adminToken, incidentConfigYaml, incidentEnv, kubeCheck, token } from '../support/incident.js';
import { runCli } from '../support/process.js';
import { freePort } from '../support/stepup.js';

/**
 * docs/incident-runbook.md quotes what on-call sees: each `stepgate incident` / `stepgate revoke`
 * command with its output and exit status, and the Status message an engineer's kubectl prints
 * after each. This test runs them again in the doc's order against a stepgate serving the admin
 * API (the real CLI, as a process), and compares line by line; incident ids and times differ from
 * run to run and are compared by their form only. Which token a command runs with is what the
 * doc says about it: an admin's, a token of the engineers' issuer (the 403), or an admin sign-in
 * an hour old (the 401).
 */

const doc = readFileSync(new URL('../../docs/incident-runbook.md', import.meta.url), 'utf8');
const nowS = () => Math.floor(Date.now() / 1000);

/** Incident ids and times as their form: what stays when the run is another. */
const form = (line: string) =>
  line
    .trim()
    .replace(/\binc-[0-9a-f]{8}\b/g, 'inc-<id>')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\b/g, '<time>')
    .replace(/\(until \d\d:\d\dZ\)/g, '(until <hh:mm>Z)');

/** Shell words of a command line as the doc writes it: single quotes only. */
const words = (command: string) => [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

let service: Service;
let server: string;
let authz: number;
let engineer: string;

beforeAll(async () => {
  const yaml = incidentConfigYaml({ httpPort: await freePort(), state: 'state:\n  store: memory' });
  service = await startService(parseConfig(yaml, 'incident.yaml'), incidentEnv());
  server = `http://127.0.0.1:${service.http!.port}`;
  authz = service.authzHttp!.port;
  // Allowed (and cached) a moment before the incident, as the doc's engineer was.
  engineer = await token({ sub: 'alice@example.com', authTime: nowS() - 60 });
  expect((await kubeCheck(authz, '/api/v1/namespaces/payments-eu/pods', engineer)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await service?.stop();
});

describe('docs/incident-runbook.md', () => {
  it('prints what the runbook quotes, command by command', async () => {
    // Fences paired line by line, so a fenced YAML block's closing fence never opens a block of its own.
    const blocks = [...doc.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === '').map((m) => m[2]!);
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    let raised = '';
    const mismatches: string[] = [];
    for (const block of blocks) {
      if (block.startsWith('401 ')) {
        // What kubectl prints for the engineer's next request: the status and the Status message.
        // In payments-eu while the incident is the news; once the token is revoked, a request
        // outside the incident's scope (inside it, the message also names the incident).
        const path = block.includes('(credential_revoked)') ? '/api/v1/namespaces/web/pods' : '/api/v1/namespaces/payments-eu/pods';
        const r = await kubeCheck(authz, path, engineer);
        const printed = `${r.status} ${(JSON.parse(r.body) as { message: string }).message}`;
        if (form(printed) !== form(block)) mismatches.push(`kubectl: ${printed}`);
        continue;
      }
      for (const section of block.split(/^(?=\$ )/m)) {
        const [command, ...expected] = section.split('\n').filter((l) => l.trim() !== '');
        const status = /^\[exit (\d+)\]$/.exec(expected.at(-1) ?? '');
        if (status) expected.pop();
        const refusal = expected.join('\n');
        const bearer = refusal.includes('(403 admin_issuer)')
          ? await token({ sub: 'mallory@example.com', authTime: nowS() })
          : await adminToken(refusal.includes('(401 auth_too_old)') ? nowS() - 3600 : nowS());
        const args = words(command!.slice(2)).slice(1).map((w) => (raised && /^inc-[0-9a-f]{8}$/.test(w) && !status ? raised : w));
        const run = runCli(args, { STEPGATE_ADMIN_URL: server, STEPGATE_ADMIN_TOKEN: bearer });
        const { code } = await run.exited;
        const printed = [...run.stdout, ...run.stderr];
        raised = /^raised (inc-[0-9a-f]{8})/.exec(printed[0] ?? '')?.[1] ?? raised;
        if (code !== (status ? Number(status[1]) : 0) || printed.map(form).join('\n') !== expected.map(form).join('\n')) {
          mismatches.push(`${command}\n${printed.join('\n')}\n[exit ${code}]`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);
});
