import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { launchChromium, signInWithCode } from '../support/browser.js';
import { CLIENT_ID, CLIENT_SECRET, freePort, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

/**
 * The browser step-up of a context-bound ask (risk/ask.ts), end to end: Chromium on the HTTP
 * ext_authz listener (Envoy's HTTP mode; the browser, at 127.0.0.1, is the trusted front, so its
 * X-Forwarded-For places it on a network), the real step-up pages, the dev IdP (oidc-provider).
 * The process' clock (Date.now, which stepgate and oidc-provider both read) is the real one plus
 * `skip`, so a sign-in can be made minutes old without sleeping; Chromium keeps its own, which only
 * cookie lifetimes (an hour) depend on.
 *
 * The engineer signs in with two factors, and a run of distinct Secret reads crosses machine pace
 * minutes later (the run's ask). Then, from a network never seen, a page is asked on its own
 * account (its own ask); the engineer signs in for it in the browser. The sign-in names that ask,
 * so it answers that page and not the run: a Secret read afterwards is still asked, for the run.
 */

const HOME = '10.20.4.17';
const CAFE = '198.51.100.7';
let idp: DevIdp;
let service: Service;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let authz: string;
let skip = 0;
const realNow = Date.now;

beforeAll(async () => {
  Date.now = () => realNow() + skip;
  const httpPort = await freePort();
  idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${httpPort}/.stepgate/callback`] }] });
  const yaml =
    stepupConfigYaml({ idp: idp.issuer, httpPort, returnHosts: ['127.0.0.1'], trustedProxies: ['127.0.0.1'] }).replace('hosts: [kube.example.com]', 'hosts: ["127.0.0.1"]')
      // A Secret is a sensitive object (what machine pace counts).
      .replace('resources: [secrets] } }\n      require: aal2\n      max_age: 900', 'resources: [secrets] } }\n      require: aal2\n      max_age: 3600\n      sensitivity: 30') +
    `
risk:
  # A newcomer's grace shorter than the minutes skipped below.
  learn: { min_level: aal2, newcomer_grace_seconds: 60 }
  signals:
    # A run that stays over while the engineer is at the identity provider (real seconds pass).
    machine_pace: { window_seconds: 600 }
  bands:
    - { name: elevated, min_score: 45, require: aal2 }
    - { name: high, min_score: 65, require: aal2, max_age: 900 }
`;
  service = await startService(parseConfig(yaml, 'stepup-ask-browser.yaml'), stepupEnv(), undefined, { now: () => Date.now() });
  authz = `http://127.0.0.1:${service.authzHttp!.port}`;
  browser = await launchChromium();
  context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': HOME, 'x-forwarded-proto': 'http' } });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await idp?.close();
  Date.now = realNow;
});

const onIdp = (p: Page) => p.url().startsWith(idp.issuer);

const signIn = (p: Page) => signInWithCode(p, () => idp.totp('alice'));

const secret = (name: string) => `${authz}/api/v1/namespaces/team/secrets/${name}`;
const ASK = /"ask":"([0-9a-z]+[ro][A-Za-z0-9_-]+)"/;

/** A Secret read by the browser's session as an API call (JSON): its status and the ask it names. */
async function read(name: string): Promise<{ status: number; ask: string | undefined }> {
  const res = await context.request.get(secret(name), { headers: { accept: 'application/json' }, maxRedirects: 0 });
  return { status: res.status(), ask: ASK.exec(await res.text())?.[1] };
}

describe('a context-bound step-up in the browser names its ask', () => {
  let runAsk = '';

  it('signs in with two factors for a Secret, then a run of reads minutes later is asked for the run', async () => {
    await page.goto(secret('s0'));
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    expect(onIdp(page)).toBe(true);
    await signIn(page);
    await page.waitForURL(secret('s0'));
    // Five minutes on: the run below is no loop the engineer just signed in for.
    skip += 5 * 60_000;
    const reads = [];
    for (let k = 1; k <= 6; k++) reads.push(await read(`s${k}`));
    const refused = reads.find((r) => r.status !== 200);
    expect(reads.map((r) => r.status), 'the run is asked').toContain(401);
    expect(refused?.ask).toMatch(/^[0-9a-z]+r/);
    runAsk = refused!.ask!;
  });

  it("asks a page from a new network on its own account, signs in for that ask, and the retried page passes", async () => {
    await context.setExtraHTTPHeaders({ 'x-forwarded-for': CAFE, 'x-forwarded-proto': 'http' });
    const nonces: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(idp.issuer)) nonces.push(new URL(r.url()).searchParams.get('nonce') ?? '');
    });
    const pods = `${authz}/api/v1/namespaces/team/pods`;
    await page.goto(pods);
    // What the browser sees: the step-up page, whose URL names the page's own ask, not the run's.
    const start = new URL(page.url());
    expect(start.pathname).toBe('/.stepgate/start');
    const ask = start.searchParams.get('ask');
    expect(ask).toMatch(/^[0-9a-z]+o/);
    expect(ask).not.toBe(runAsk);
    await expect(page.getByRole('heading', { name: 'Confirm it is you' }).isVisible()).resolves.toBe(true);
    // Two seconds on before the sign-in: auth_time is whole seconds and the ask's bound is the
    // network's first sighting rounded up (context-bound.ts), so a sign-in within the same second
    // cannot be told from one made before the sighting and rightly answers nothing. Chromium and
    // the IdP took under a second here about half the time, and the page was asked again.
    skip += 2_000;
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    expect(onIdp(page)).toBe(true);
    // The authorization request's nonce is `<ask>.<random>`: the ID token the IdP signs carries it.
    expect(nonces.find((n) => n !== '')).toMatch(new RegExp(`^${ask}\\.[A-Za-z0-9_-]+$`));
    const back = page.waitForResponse((r) => r.url() === pods);
    await signIn(page);
    expect((await back).status()).toBe(200);
    expect(page.url()).toBe(pods);
  }, 60_000);

  it('keeps asking for the run the sign-in did not name', async () => {
    // A Secret the run already counted (no new crossing after the sign-in): a sign-in that named no
    // ask would answer every run crossed before it (session 36) and this read would pass. The
    // session kept the ask its ID token's nonce named, so it is asked, for the run.
    const after = await read('s3');
    expect(after.status).toBe(401);
    expect(after.ask).toBe(runAsk);
  });
});
