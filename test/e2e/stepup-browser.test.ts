import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../../demo/stack.js';
import { launchChromium } from '../support/browser.js';

// Chromium → nginx (auth_request → stepgate forward-auth) → sample dashboard, with the dev IdP.
// The tests run in order and share one browser context, as one engineer's morning would.

const FREE = { idp: 0, nginx: 0, grpc: 0, stepupHttp: 0, authzHttp: 0, dashboard: 0, api: 0 };
let stack: DemoStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  stack = await startDemoStack({ ports: FREE });
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const onIdp = (p: Page) => p.url().startsWith(stack.idp.issuer);

async function passwordLogin(p: Page, user: string, password: string) {
  await p.getByLabel('User name').fill(user);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

function audit(reason: string) {
  return stack.stepgate.logs.filter((l) => l.audit === true && l.reason === reason);
}

describe('step-up in a real browser, behind nginx auth_request', () => {
  it('opening / signs in with a password (aal1) and shows the dashboard with stepgate identity headers', async () => {
    await page.goto(`${stack.url}/`);
    // No credential: stepgate's step-up flow starts; the sign-in goes to the IdP.
    if (!onIdp(page)) await page.getByRole('button', { name: 'Continue to sign in' }).click();
    expect(onIdp(page)).toBe(true);
    await passwordLogin(page, 'alice', 'alice-password');
    await page.waitForURL(`${stack.url}/`);
    await expect(page.getByRole('heading', { name: 'Overview' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('[data-header="x-stepgate-subject"]').textContent()).toBe('alice');
    expect(await page.locator('[data-header="x-stepgate-level"]').textContent()).toBe('aal1');
    expect(await page.locator('[data-header="x-stepgate-email"]').textContent()).toBe('alice@example.test');
    expect(await page.locator('[data-header="x-stepgate-groups"]').textContent()).toBe('engineers');
  });

  it('opening /admin shows the step-up page, asks for the second factor, and returns to /admin at aal2', async () => {
    await page.goto(`${stack.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/.stepgate/start');
    await expect(page.getByRole('heading', { name: 'Confirm it is you' }).isVisible()).resolves.toBe(true);
    const text = await page.locator('main').innerText();
    expect(text).toContain('/admin');
    await mkdir('.artifacts', { recursive: true });
    await page.screenshot({ path: '.artifacts/stepup-page.png', fullPage: true });

    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    expect(onIdp(page)).toBe(true);
    // The IdP session is only aal1: it must ask again, and this time for the code too.
    await page.screenshot({ path: '.artifacts/idp-login-page.png', fullPage: true });
    await passwordLogin(page, 'alice', 'alice-password');
    await expect(page.getByRole('heading', { name: 'Enter your authentication code' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: '.artifacts/idp-otp-page.png', fullPage: true });
    await page.getByLabel('6-digit code').fill(stack.idp.totp('alice'));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${stack.url}/admin`);
    await expect(page.getByRole('heading', { name: 'Admin area' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('[data-header="x-stepgate-subject"]').textContent()).toBe('alice');
    expect(await page.locator('[data-header="x-stepgate-level"]').textContent()).toBe('aal2');
  });

  it('identity headers a client sends itself never reach the app', async () => {
    const res = await context.request.get(`${stack.url}/admin`, {
      headers: { 'x-stepgate-subject': 'mallory', 'x-stepgate-level': 'aal3', 'x-stepgate-groups': 'admins' },
    });
    expect(res.status()).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-header="x-stepgate-subject">alice<');
    expect(html).not.toContain('mallory');
    expect(html).not.toContain('aal3');
    expect(html).not.toContain('admins');
  });

  it('the session cookie never reaches the app, wherever it sits in the Cookie header; the app keeps its own cookies', async () => {
    const session = (await context.cookies(stack.url)).find((c) => c.name === 'stepgate_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    const s = `stepgate_session=${session.value}`;
    for (const [cookie, expected] of [
      [s, ''],
      [`${s}; app_pref=dark`, 'app_pref'],
      [`app_pref=dark; ${s}`, 'app_pref'],
      [`a=1; ${s}; b=2`, 'a, b'],
      [`a=1;${s};b=2`, 'a, b'],
    ] as const) {
      const res = await fetch(`${stack.url}/admin`, { headers: { cookie, accept: 'text/html' } });
      expect(res.status, cookie).toBe(200);
      const html = await res.text();
      expect(/<span data-cookies>([^<]*)<\/span>/.exec(html)?.[1], cookie).toBe(expected);
      expect(html).not.toContain(session.value);
    }
  });

  it('a tampered session cookie is denied (never the admin page), and stepgate audits why', async () => {
    const cookies = await context.cookies(stack.url);
    const session = cookies.find((c) => c.name === 'stepgate_session');
    expect(session, `cookies: ${cookies.map((c) => c.name).join(', ')}`).toBeDefined();
    const v = session!.value;
    const i = Math.floor(v.length / 2);
    const flipped = v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1);
    await context.addCookies([{ ...session!, value: flipped }]);
    const before = audit('session_invalid').length;

    const res = await page.goto(`${stack.url}/admin`);
    expect(new URL(page.url()).pathname).not.toBe('/admin');
    expect(await page.getByRole('heading', { name: 'Admin area' }).count()).toBe(0);
    expect(res?.status()).not.toBe(500);
    expect(audit('session_invalid').length).toBeGreaterThan(before);
  });

  it('cancelling at the IdP ends on a clear stepgate page (stepup_access_denied), never a 500', async () => {
    const fresh = await browser.newContext();
    try {
      const p = await fresh.newPage();
      await p.goto(`${stack.url}/admin`);
      await p.getByRole('button', { name: 'Continue to sign in' }).click();
      expect(onIdp(p)).toBe(true);
      const back = p.waitForResponse((r) => r.url().startsWith(`${stack.url}/.stepgate/callback`));
      await p.getByRole('link', { name: 'Cancel' }).click();
      expect((await back).status()).toBe(403);
      expect(await p.locator('#stepgate-code').textContent()).toBe('stepup_access_denied');
      expect(await p.getByRole('heading', { name: 'Admin area' }).count()).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it.each([
    ['absolute', 'https://evil.example/'],
    ['scheme-relative', '//evil.example/'],
    ['backslashes', '\\\\evil.example/'],
    ['scheme without slashes', 'https:evil.example'],
    ['encoded', '%2F%2Fevil.example%2F'],
  ])('refuses an open redirect through rd (%s)', async (_name, rd) => {
    const res = await page.goto(`${stack.url}/.stepgate/start?level=aal2&rd=${rd.includes('%') ? rd : encodeURIComponent(rd)}`);
    expect(res?.status()).toBe(400);
    expect(await page.locator('#stepgate-code').textContent()).toBe('stepup_return_refused');
    expect(new URL(page.url()).host).toBe(new URL(stack.url).host);
  });
});
