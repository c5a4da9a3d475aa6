import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { launchChromium } from '../support/browser.js';
import { CheckClient, deniedHeader, deniedStatus, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { BROWSER_HEADERS, checkRequest } from '../support/requests.js';
import { CLIENT_ID, CLIENT_SECRET, formFields, freePort, http, pageCode, stepupConfigYaml, stepupEnv } from '../support/stepup.js';
import { captureLog } from '../support/telemetry.js';

/**
 * Session 50 saw the browser step-up page say a rule's "second factor within 15 minutes" above
 * "accepts a sign-in from the last 5 minutes", with nothing about the guardrail that shortened it:
 * the page matched the policy again for a GET of rd, which sees no guardrail, risk or incident.
 * Here a guardrail tightens a rule's window (a Kubernetes read a page of another site made, made
 * an elevated guardrail of 5 minutes) and every surface must say the same true thing: the Check's
 * 302 link (MACed), the page Chromium renders, the authorization request, the RFC 9470 challenge
 * and kubectl's Status line. And the link cannot be loosened by editing it.
 */

const KUBE = 'kube.example.com';
const PODS = '/api/v1/namespaces/shop-prod/pods';
const RULE = 'Pods in a production namespace need a second factor within 15 minutes.';
const GUARDRAIL = 'Guardrail: request made by a page of another site (cross_site_request).';
const STRICTER =
  'The rule for this page asks for a sign-in from the last 15 minutes; this request needs a sign-in from the last 5 minutes, because of the guardrail “request made by a page of another site” (cross_site_request).';

let idp: DevIdp;
let service: Service;
let client: CheckClient;
let browser: Browser;
let page: Page;
let base: string;
let records: Record<string, unknown>[];
/** alice's one-factor ID token, as `kubectl proxy` adds it to what the browser sends through it. */
let token = '';

beforeAll(async () => {
  const httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${base}/.stepgate/callback`] }] });
  const yaml =
    stepupConfigYaml({
      idp: idp.issuer,
      httpPort,
      returnHosts: [KUBE],
      patientKeys: true,
      extraRules: `    - name: prod-pods
      description: "${RULE}"
      match: { kubernetes: { resources: [pods], namespaces: ["*-prod"] } }
      require: aal2
      max_age: 900
`,
    }) +
    `
guardrails:
  effects:
    cross_site_request: { require: aal2, max_age: 300 }
`;
  const cap = captureLog('info');
  records = cap.records;
  service = await startService(parseConfig(yaml, 'stepup-causes.yaml'), stepupEnv(), cap.logger);
  client = new CheckClient(service.grpc.port);
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  token = await idp.idToken({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: `${base}/.stepgate/callback`, user: 'alice', password: 'alice-password' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  client?.close();
  await service?.stop();
  await idp?.close();
});

/**
 * A list of production Pods that a page of another site made through the engineer's browser and
 * `kubectl proxy`, which adds the engineer's token (the guardrail's case: docs/guardrails.md).
 */
function crossSite(headers: Record<string, string>): Promise<CheckResponse> {
  return client.check(checkRequest({ host: KUBE, path: PODS, token, headers: { 'sec-fetch-site': 'cross-site', ...headers } }));
}

async function link(): Promise<URL> {
  const res = await crossSite(BROWSER_HEADERS);
  expect(deniedStatus(res)).toBe('Found');
  return new URL(deniedHeader(res, 'location')!);
}

describe('a guardrail that tightens a rule: every surface says the same window and why', () => {
  it("the Check's link carries the effective requirement, its causes and a MAC", async () => {
    const l = await link();
    expect(l.searchParams.get('level')).toBe('aal2');
    expect(l.searchParams.get('max_age')).toBe('300');
    expect(l.searchParams.get('rules')).toBe('prod-pods,guardrail:cross_site_request');
    expect(l.searchParams.get('sig')).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
  });

  it('Chromium shows the guardrail, and that it is what shortened the rule\'s 15 minutes to 5', async () => {
    const l = await link();
    await page.goto(l.href);
    const reasons = await page.locator('#stepgate-rule').allInnerTexts();
    expect(reasons).toEqual([RULE, GUARDRAIL]);
    expect(await page.locator('.stepgate-stricter').allInnerTexts()).toEqual([STRICTER]);
    expect(await page.locator('#stepgate-lasts').innerText()).toContain('This page accepts a sign-in from the last 5 minutes; after that it asks again.');
    await page.screenshot({ path: '.artifacts/stepup-page-guardrail.png', fullPage: true });
    // The page's text as docs/stepup.md quotes it.
    console.log(`--- page text ---\n${await page.locator('main').innerText()}\n--- end ---`);
  });

  it('the authorization request asks the IdP for the same window and level, and the audit record names the causes', async () => {
    const l = await link();
    const start = await http(l.href);
    expect(start.status).toBe(200);
    const cont = await http(`${base}/.stepgate/continue`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: formFields(start.body).toString(),
    });
    expect(cont.status).toBe(302);
    const authorize = new URL(cont.headers.location as string);
    expect(authorize.searchParams.get('max_age')).toBe('300');
    expect(authorize.searchParams.get('acr_values')).toBe('urn:stepgate:aal2');
    const audit = records.findLast((r) => r.event === 'stepup.flow' && r.outcome === 'redirected');
    expect(audit).toMatchObject({ max_age: 300, level_required: 'aal2', link: 'signed', rules: 'prod-pods,guardrail:cross_site_request' });
  });

  it('the RFC 9470 challenge and the Status line of the same request (a one-factor token) say 5 minutes and name the guardrail', async () => {
    const res = await crossSite({});
    expect(reasonOf(res)).toBe('acr_insufficient');
    const challenge = deniedHeader(res, 'www-authenticate')!;
    expect(challenge).toContain('error="insufficient_user_authentication"');
    expect(challenge).toContain('acr_values="urn:stepgate:aal2"');
    expect(challenge).toContain('max_age=300');
    const status = JSON.parse(res.denied_response!.body!) as { message: string; stepgate: { step_up_url: string; required: unknown; guardrails: unknown } };
    expect(status.stepgate.required).toEqual({ level: 'aal2', max_age: 300 });
    expect(status.stepgate.guardrails).toEqual([{ code: 'cross_site_request', title: 'request made by a page of another site' }]);
    expect(status.message).toContain('within the last 5 min');
    expect(status.message).toContain(`Rule prod-pods: ${RULE.slice(0, -1)}. ${GUARDRAIL}`);
    const l = new URL(status.stepgate.step_up_url);
    expect([l.searchParams.get('max_age'), l.searchParams.get('rules')]).toEqual(['300', 'prod-pods,guardrail:cross_site_request']);
    console.log(`--- Status message ---\n${status.message}\n--- end ---`);
  });

  it.each([
    ['max_age raised', (u: URL) => u.searchParams.set('max_age', '900')],
    ['the guardrail dropped from the causes', (u: URL) => u.searchParams.set('rules', 'prod-pods')],
    ['the level lowered', (u: URL) => u.searchParams.set('level', 'aal1')],
    ['a second max_age appended', (u: URL) => u.searchParams.append('max_age', '900')],
    ['a forged MAC', (u: URL) => u.searchParams.set('sig', `k1.${'A'.repeat(43)}`)],
  ])('an edited link is refused, on the page and at continue (%s)', async (_what, edit) => {
    const l = await link();
    edit(l);
    const start = await http(l.href);
    expect(pageCode(start.body)).toBe('stepup_request_invalid');
    const cont = await http(`${base}/.stepgate/continue`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: l.searchParams.toString(),
    });
    expect(pageCode(cont.body)).toBe('stepup_request_invalid');
  });
});
