import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, watchStepgate, type DemoStack } from '../../demo/stack.js';
import { launchChromium } from '../support/browser.js';

// Issue 16, "engineers in the browser": what the step-up page says, the session page and
// sign-out, error pages, and the demo opened as localhost or with stepgate gone. Chromium →
// nginx → stepgate, the real demo stack on free ports. The tests run in order on one context.

const FREE = { idp: 0, nginx: 0, grpc: 0, stepupHttp: 0, authzHttp: 0, dashboard: 0, api: 0 };
let stack: DemoStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const printed: string[] = [];

beforeAll(async () => {
  stack = await startDemoStack({ ports: FREE });
  watchStepgate(stack.stepgate, () => false, (l) => printed.push(l));
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
  await mkdir('.artifacts', { recursive: true });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const onIdp = (p: Page) => p.url().startsWith(stack.idp.issuer);
const port = () => new URL(stack.url).port;

async function passwordLogin(p: Page, user: string, password: string) {
  await p.getByLabel('User name').fill(user);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

describe('the step-up pages in Chromium', () => {
  it('http://localhost:<port>/ ends on 127.0.0.1, explains the 12 h rule capped by the 1 h session, and signs in (no loop)', async () => {
    await page.goto(`http://localhost:${port()}/`);
    // Redirected to the one name cookies and the IdP's redirect URI are bound to.
    expect(new URL(page.url()).host).toBe(`127.0.0.1:${port()}`);
    expect(new URL(page.url()).pathname).toBe('/.stepgate/start');
    const lasts = await page.locator('#stepgate-lasts').innerText();
    // The demo's default rule says max_age 43200 (12 h); the session lives 3600 s.
    expect(lasts).toContain('lasts 1 hour');
    expect(lasts).toContain('would accept a sign-in from the last 12 hours, but a stepgate session lasts at most 1 hour');
    expect(await page.locator('#stepgate-who').innerText()).toContain('Nobody yet');
    // The page that asked is the site's root: Cancel to it would only ask again.
    expect(await page.locator('#stepgate-cancel').count()).toBe(0);
    await page.screenshot({ path: '.artifacts/stepup-page-signin.png', fullPage: true });
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    expect(onIdp(page)).toBe(true);
    await passwordLogin(page, 'alice', 'alice-password');
    await page.waitForURL(`${stack.url}/`);
    await expect(page.getByRole('heading', { name: 'Overview' }).isVisible()).resolves.toBe(true);
  });

  it('the step-up page for /admin says which rule, who is signed in, how long, and offers a checked Cancel', async () => {
    await page.goto(`${stack.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/.stepgate/start');
    expect(await page.locator('#stepgate-rule').innerText()).toBe("the dashboard's admin area needs a second factor within 15 minutes");
    const who = await page.locator('#stepgate-who').innerText();
    expect(who).toContain('alice');
    expect(who).toContain('aal1');
    const lasts = await page.locator('#stepgate-lasts').innerText();
    expect(lasts).toContain('This page accepts a sign-in from the last 15 minutes');
    expect(lasts).toContain('session itself lasts 1 hour');
    const cancel = page.locator('#stepgate-cancel');
    const href = await cancel.getAttribute('href');
    expect(new URL(href!).host).toBe(`127.0.0.1:${port()}`);
    await page.screenshot({ path: '.artifacts/stepup-page-admin.png', fullPage: true });
    await cancel.click();
    await page.waitForURL(`${stack.url}/`);
    await expect(page.getByRole('heading', { name: 'Overview' }).isVisible()).resolves.toBe(true);
  });

  it('a step-up bound to a context change says so in words ("New network since 14:02 UTC: sign in again on this device")', async () => {
    // The link stepgate's 302 carries for a context-bound challenge (respond.ts: context and since).
    const since = Math.floor(Date.now() / 1000) - 600;
    const hhmm = new Date(since * 1000).toISOString().slice(11, 16);
    const q = new URLSearchParams({ level: 'aal2', max_age: '600', reason: 'auth_too_old', context: 'new_network', since: String(since), rd: `${stack.url}/admin` });
    await page.goto(`${stack.url}/.stepgate/start?${q.toString()}`);
    const words = page.locator('#stepgate-context');
    expect(await words.innerText()).toBe(`New network since ${hhmm} UTC: sign in again on this device.`);
    expect(await words.isVisible()).toBe(true);
    // First among the reasons, above the rule's own description.
    expect(await page.locator('dd ul li').first().getAttribute('id')).toBe('stepgate-context');
    await page.screenshot({ path: '.artifacts/stepup-page-context.png', fullPage: true });
    // A hand-made link with other text shows nothing of it.
    await page.goto(`${stack.url}/.stepgate/start?${new URLSearchParams({ level: 'aal2', context: 'Call +1 555 0100 now', since: String(since) }).toString()}`);
    expect(await page.locator('#stepgate-context').count()).toBe(0);
    expect(await page.content()).not.toContain('555 0100');
  });

  it('a Referer on another host is never the Cancel target', async () => {
    const res = await context.request.get(`${stack.url}/.stepgate/start?level=aal2&rd=${encodeURIComponent(`${stack.url}/admin`)}`, {
      headers: { referer: 'https://evil.example.com/phish' },
    });
    const html = await res.text();
    expect(html).not.toContain('evil.example.com');
    expect(html).toContain(`id="stepgate-cancel" href="${stack.url}/"`);
  });

  it('GET /.stepgate/session shows the session (HTML and JSON), never the cookie value', async () => {
    const session = (await context.cookies(stack.url)).find((c) => c.name === 'stepgate_session')!;
    await page.goto(`${stack.url}/.stepgate/session`);
    expect(await page.locator('#stepgate-subject').innerText()).toBe('alice');
    expect(await page.locator('#stepgate-level').innerText()).toBe('aal1');
    expect(await page.locator('#stepgate-expires').innerText()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await page.content()).not.toContain(session.value);
    await page.screenshot({ path: '.artifacts/session-page.png', fullPage: true });
    const json = await context.request.get(`${stack.url}/.stepgate/session`, { headers: { accept: 'application/json' } });
    const body = (await json.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ signed_in: true, subject: 'alice', level: 'aal1' });
    expect(Date.parse(String(body.expires_at)) - Date.parse(String(body.auth_time))).toBe(3600_000);
    expect(JSON.stringify(body)).not.toContain(session.value);
  });

  it('a sign-out POST from another origin is refused and clears nothing', async () => {
    const res = await context.request.post(`${stack.url}/.stepgate/signout`, { headers: { origin: 'https://evil.example.com' } });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('stepup_signout_refused');
    expect((await context.cookies(stack.url)).some((c) => c.name === 'stepgate_session')).toBe(true);
  });

  it('Sign out clears the session, device and state cookies; the next protected page asks to sign in again', async () => {
    // A flow started and abandoned leaves a state cookie behind.
    await page.goto(`${stack.url}/admin`);
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    // All paths: the state cookie is Path=/.stepgate/.
    const names = (await context.cookies()).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['stepgate_session', 'stepgate_device']));
    expect(names.some((n) => n.startsWith('stepgate_state_'))).toBe(true);
    await page.goto(`${stack.url}/.stepgate/session`);
    await page.getByRole('button', { name: 'Sign out of stepgate' }).click();
    await expect(page.getByRole('heading', { name: 'You are signed out of stepgate' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: '.artifacts/signed-out-page.png', fullPage: true });
    expect((await context.cookies()).filter((c) => c.name.startsWith('stepgate_')).map((c) => c.name)).toEqual([]);
    await page.goto(`${stack.url}/`);
    expect(new URL(page.url()).pathname).toBe('/.stepgate/start');
    expect(await page.locator('#stepgate-who').innerText()).toContain('Nobody yet');
  });

  it('an error page shows its code and a request id found in the audit record', async () => {
    await page.goto(`${stack.url}/.stepgate/callback?code=x&state=not-from-this-browser`);
    const code = await page.locator('#stepgate-code').innerText();
    expect(code).toBe('stepup_state_missing');
    const id = await page.locator('#stepgate-request-id').innerText();
    // nginx's $request_id (32 hex digits), so the access log and stepgate's audit record agree.
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await page.screenshot({ path: '.artifacts/error-page.png', fullPage: true });
    const deadline = Date.now() + 5000;
    while (!stack.stepgate.logs.some((l) => l.request_id === id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(stack.stepgate.logs.find((l) => l.request_id === id)).toMatchObject({ code: 'stepup_state_missing', event: 'stepup.flow' });
  });

  it('when stepgate dies, the browser gets a page saying so (not nginx\'s bare 500) and the terminal says it stopped', async () => {
    stack.stepgate.child.kill('SIGKILL');
    await new Promise((r) => stack.stepgate.child.once('exit', r));
    const res = await page.goto(`${stack.url}/admin`);
    expect(res?.status()).toBe(503);
    await expect(page.getByRole('heading', { name: 'stepgate could not check this request' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: '.artifacts/stepgate-down-page.png', fullPage: true });
    const stepupRes = await page.goto(`${stack.url}/.stepgate/session`);
    expect(stepupRes?.status()).toBe(503);
    expect(printed.join('\n')).toContain('stepgate stopped (signal SIGKILL)');
  });
});
