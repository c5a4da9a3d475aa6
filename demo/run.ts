// `npm run demo`: the whole step-up loop on loopback, for a newcomer to click through.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AAL2 } from './idp.js';
import { startDemoStack, watchStepgate, type DemoPorts, type DemoStack } from './stack.js';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function auditLine(rec: Record<string, unknown>) {
  if (rec.audit === true || (typeof rec.event === 'string' && rec.event.startsWith('stepup.'))) {
    const parts = [rec.event, rec.reason ?? rec.outcome, rec.code, rec.method, rec.path, rec.level_required ? `(needs ${String(rec.level_required)})` : undefined];
    console.log(`  stepgate: ${parts.filter((p) => p !== undefined && p !== '').map(String).join(' ')}`);
  } else if (rec.level === 'warn' || rec.level === 'error' || rec.level === 'fatal') {
    console.log(`  stepgate ${String(rec.level)}: ${String(rec.msg)}`);
  }
}

async function mintTokens(stack: DemoStack, dir: string) {
  const aal1 = await stack.idp.idToken({ ...stack.cliClient, user: 'alice', password: 'alice-password' });
  const aal2 = await stack.idp.idToken({ ...stack.cliClient, user: 'alice', password: 'alice-password', acr_values: AAL2 });
  await writeFile(join(dir, 'alice-aal1.jwt'), aal1, { mode: 0o600 });
  await writeFile(join(dir, 'alice-aal2.jwt'), aal2, { mode: 0o600 });
}

function codes(stack: DemoStack) {
  return `alice ${bold(stack.idp.totp('alice'))}   bob ${bold(stack.idp.totp('bob'))}`;
}

/**
 * Ports to use instead of the documented ones, as JSON (`{"nginx":18088,…}`): the end-to-end test
 * runs the demo on ports it found free, so a taken 9191 or 8088 cannot fail it.
 */
function portOverrides(): Partial<DemoPorts> | undefined {
  const raw = process.env.STEPGATE_DEMO_PORTS;
  return raw ? (JSON.parse(raw) as Partial<DemoPorts>) : undefined;
}

async function main() {
  let stack: DemoStack;
  try {
    stack = await startDemoStack({ ports: portOverrides(), showTotpHint: true, echoLogs: auditLine });
  } catch (e) {
    const msg = (e as Error).message;
    console.error(`The demo could not start: ${msg}`);
    if (/EADDRINUSE|cannot listen/.test(msg)) {
      console.error('A port it needs is taken. It uses 127.0.0.1 ports 8088, 9000, 9101, 9102, 9180, 9191 and 9192.');
    }
    process.exitCode = 1;
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'stepgate-demo-tokens-'));
  await mintTokens(stack, dir);

  const u = stack.url;
  console.log(`
${bold('stepgate demo is running')} (everything on 127.0.0.1; Ctrl-C stops it all)
  Use 127.0.0.1, not localhost: cookies and the sign-in redirect are bound to it (localhost is redirected).

  Browser:  ${bold(`${u}/`)}        the dashboard; sign in with a password
            ${bold(`${u}/admin`)}   the admin area: stepgate asks you to step up
            ${bold(`${u}/.stepgate/session`)}   who you are signed in as; sign out
  Users:    alice / alice-password (group engineers)    bob / bob-password
  Codes:    ${codes(stack)}   (the code page also shows the current one: dev only)

  API (curl), with ID tokens minted for you (valid 10 minutes; press Enter for fresh ones):
    curl -i -H "Authorization: Bearer $(cat ${dir}/alice-aal1.jwt)" ${u}/api/namespaces
    curl -i -H "Authorization: Bearer $(cat ${dir}/alice-aal1.jwt)" ${u}/api/secrets
        → 401 WWW-Authenticate: Bearer … error="insufficient_user_authentication", acr_values="${AAL2}", max_age=900
    curl -i -H "Authorization: Bearer $(cat ${dir}/alice-aal2.jwt)" ${u}/api/secrets

  Behind the scenes: dev IdP ${stack.idp.issuer} · stepgate gRPC ${stack.grpcAddress}, forward-auth :${stack.stepgate.ports['http-authz']}, step-up pages :${stack.stepgate.ports['http-stepup']} · nginx ${u}
  stepgate config: demo/stepgate.demo.yaml · stepgate's decisions are printed below.
`);

  // A new line of codes at each 30-second step, so the terminal always shows a valid one.
  let last = '';
  const timer = setInterval(() => {
    const now = codes(stack);
    if (now !== last) {
      last = now;
      console.log(`  codes now: ${now}`);
    }
  }, 1000);
  last = codes(stack);

  const rl = createInterface({ input: process.stdin });
  rl.on('line', () => {
    mintTokens(stack, dir).then(
      () => console.log(`  fresh tokens written to ${dir}/alice-aal1.jwt and alice-aal2.jwt`),
      (e: Error) => console.log(`  could not mint tokens: ${e.message}`),
    );
  });

  let stopping = false;
  watchStepgate(stack.stepgate, () => stopping, (line) => console.error(line), bold);

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    rl.close();
    console.log('\nstopping…');
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
