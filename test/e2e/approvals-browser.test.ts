import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { approvalOf, approvalsConfigYaml } from '../support/approvals.js';
import { launchChromium, signInWithCode } from '../support/browser.js';
import { CheckClient, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';
import { CLIENT_ID, CLIENT_SECRET, freePort, stepupEnv } from '../support/stepup.js';
import { captureLog } from '../support/telemetry.js';

/**
 * Issue 11 item 6: a human approves and rejects automation requests in a real Chromium, through
 * the real step-up listener, the real step-up to the dev IdP (password and one-time code), and
 * the real gRPC Check for the automation's retries. Before the fix every click ended in
 * `approval_csrf`: the page's `Referrer-Policy: no-referrer` made Chromium post `Origin: null`.
 */

const SA = 'system:serviceaccount:ci:deployer';
const ARTIFACTS = '.artifacts';
const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'payments-api', namespace: 'prod', labels: { app: 'payments-api' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'payments-api' } },
    template: {
      metadata: { labels: { app: 'payments-api' } },
      spec: {
        containers: [
          {
            name: 'api',
            image: 'registry.example.com/payments/api:1.42.0',
            securityContext: { privileged: true, runAsNonRoot: true, runAsUser: 10001 },
            ports: [{ containerPort: 8080 }],
          },
        ],
      },
    },
  },
};
const CREATE = { method: 'POST', path: '/apis/apps/v1/namespaces/prod/deployments?fieldManager=argocd', body: JSON.stringify(DEPLOYMENT), headers: { 'content-type': 'application/json' } };
const PATCH = {
  method: 'PATCH',
  path: '/apis/apps/v1/namespaces/prod/deployments/payments-api?fieldManager=argocd',
  body: JSON.stringify({ spec: { replicas: 0 } }),
  headers: { 'content-type': 'application/merge-patch+json', 'impersonate-user': 'system:serviceaccount:prod:payments', 'impersonate-group': 'system:masters' },
};

let idp: DevIdp;
let sa: TestIssuer;
let service: Service;
let client: CheckClient;
let base: string;
let token: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const posts: Request[] = [];

beforeAll(async () => {
  const httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${base}/.stepgate/callback`] }] });
  sa = await TestIssuer.start();
  const guardrails = `guardrails:
  default_effect: { require: aal2, max_age: 600 }
`;
  const config = parseConfig(approvalsConfigYaml(idp.issuer, httpPort, sa.url, guardrails), 'approvals-browser.yaml');
  service = await startService(config, stepupEnv(), captureLog('info').logger);
  client = new CheckClient(service.grpc.port);
  token = await sa.token({ sub: SA, exp: Math.floor(Date.now() / 1000) + 3600 });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/.stepgate/approvals/')) posts.push(r);
  });
  await mkdir(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  client?.close();
  await service?.stop();
  await sa?.close();
  await idp?.close();
});

function automation(o: { method: string; path: string; body: string; headers: Record<string, string> }): Promise<CheckResponse> {
  return client.check(checkRequest({ ...o, token }));
}

/** The answer to the form post the next click sends. */
function decision(url: string) {
  return page.waitForResponse((r) => r.url() === url && r.request().method() === 'POST');
}

describe('approving and rejecting automation requests in Chromium', () => {
  it('Approve: sign in through the page, step up with a code, read what is written, click Approve; the retry passes once', async () => {
    const denied = await automation(CREATE);
    expect(reasonOf(denied)).toBe('approval_required');
    const { id, url } = approvalOf(denied);

    // Not signed in: the page explains and links to the step-up that comes back here.
    const first = await page.goto(url);
    expect(first?.status()).toBe(401);
    await page.locator('#stepgate-stepup').click();
    await expect(page.getByRole('heading', { name: 'Confirm it is you' }).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    expect(page.url().startsWith(idp.issuer)).toBe(true);
    await signInWithCode(page, () => idp.totp('alice'));
    await page.waitForURL(url);

    // What the approver reads: the object, the flagged field, the manifest, the content type.
    await expect(page.getByRole('heading', { name: 'Approve an automation request' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('#stepgate-state').textContent()).toBe('pending');
    expect(await page.locator('#stepgate-object').innerText()).toBe('Deployment apps/v1, name payments-api in namespace prod');
    const guardrails = await page.locator('#stepgate-guardrails').innerText();
    expect(guardrails).toContain('privileged_container');
    expect(guardrails).toContain('securityContext.privileged');
    const manifest = await page.locator('#stepgate-body').innerText();
    expect(manifest).toContain('"privileged": true');
    expect(manifest).toContain('"image": "registry.example.com/payments/api:1.42.0"');
    expect(manifest.split('\n').length).toBeGreaterThan(20);
    expect(await page.locator('#stepgate-content-type').innerText()).toBe('application/json');
    await page.screenshot({ path: `${ARTIFACTS}/approval-page-create.png`, fullPage: true });

    const approved = decision(url);
    await page.getByRole('button', { name: 'Approve this request once' }).click();
    // Before the fix: 403 approval_csrf, because Chromium posted `Origin: null`.
    expect((await approved).status()).toBe(200);
    await expect(page.locator('#stepgate-decided').innerText()).resolves.toBe('Approved');
    await page.screenshot({ path: `${ARTIFACTS}/approval-approved.png`, fullPage: true });
    // Chromium named the page's origin (not `null`) on the form post.
    const post = posts.at(-1)!;
    expect((await post.allHeaders()).origin).toBe(base);

    const retry = await automation(CREATE);
    expect(reasonOf(retry)).toBe('allowed');
    expect(retry.dynamic_metadata?.fields.approval?.stringValue).toBe(id.slice(0, 12));
    expect(reasonOf(await automation(CREATE))).toBe('approval_required');
  }, 90_000);

  it('Reject: a merge patch that impersonates shows whom it runs as; click Reject; the retry is refused', async () => {
    const denied = await automation(PATCH);
    expect(reasonOf(denied)).toBe('approval_required');
    const { url } = approvalOf(denied);
    // The session from the first test is still fresh enough: the form is there straight away.
    await page.goto(url);
    const imp = await page.locator('#stepgate-impersonation').innerText();
    expect(imp.indexOf('impersonate serviceaccounts prod/payments')).toBeGreaterThan(0);
    expect(imp.indexOf('impersonate groups system:masters')).toBeGreaterThan(imp.indexOf('impersonate serviceaccounts prod/payments'));
    expect(await page.locator('#stepgate-content-type').innerText()).toBe('application/merge-patch+json');
    expect(await page.locator('main').innerText()).toContain('the body is a JSON merge patch');
    expect(await page.locator('#stepgate-body').innerText()).toContain('"replicas": 0');
    await page.screenshot({ path: `${ARTIFACTS}/approval-page-impersonation.png`, fullPage: true });

    const rejected = decision(url);
    await page.getByRole('button', { name: 'Reject' }).click();
    expect((await rejected).status()).toBe(200);
    await expect(page.locator('#stepgate-decided').innerText()).resolves.toBe('Rejected');
    await page.screenshot({ path: `${ARTIFACTS}/approval-rejected.png`, fullPage: true });
    expect(reasonOf(await automation(PATCH))).toBe('approval_rejected');
    // The same patch without the impersonation is another request, not covered by the rejection.
    expect(reasonOf(await automation({ ...PATCH, headers: { 'content-type': PATCH.headers['content-type'] } }))).toBe('approval_required');
  }, 60_000);

  it('a form on another site that posts to the approval is refused (approval_csrf), and nothing is decided', async () => {
    const denied = await automation({ ...CREATE, path: `${CREATE.path}&dryRun=All` });
    const { url } = approvalOf(denied);
    const evil = 'http://evil.test/';
    await page.route(`${evil}**`, (r) =>
      r.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><form method="post" action="${url}"><input name="decision" value="approve"><input name="csrf" value="k1.forged"><button>Win a prize</button></form>`,
      }),
    );
    await page.goto(evil);
    const answer = decision(url);
    await page.getByRole('button', { name: 'Win a prize' }).click();
    const res = await answer;
    expect(res.status()).toBe(403);
    expect(await page.locator('#stepgate-code').textContent()).toBe('approval_csrf');
    expect(reasonOf(await automation({ ...CREATE, path: `${CREATE.path}&dryRun=All` }))).toBe('approval_required');
  }, 60_000);
});
