import { expect } from 'vitest';
import type { DevIdp } from '../../demo/idp.js';
import { deniedBody, reasonOf, type CheckResponse } from './grpc-client.js';
import { CLIENT_ID, formFields, http, setCookies, stepupConfigYaml, type HttpResult } from './stepup.js';

/**
 * Drives the approval pages the way a person with a browser would: follow the page's own step-up
 * link through the real step-up (start → continue → dev IdP → callback), keep the session cookie,
 * read the page's form, post it from the same origin.
 */
export class Approver {
  session = '';

  constructor(
    private readonly base: string,
    private readonly idp: DevIdp,
  ) {}

  get cookie(): Record<string, string> {
    return this.session ? { cookie: `stepgate_session=${this.session}` } : {};
  }

  get(path: string): Promise<HttpResult> {
    return http(`${this.base}${path}`, { headers: this.cookie });
  }

  /** A step-up from a start URL (the page's link); returns where the callback sent the browser ('' for none). */
  async stepUp(startUrl: string, login: { user: string; password: string; otp?: boolean }): Promise<string> {
    const start = new URL(startUrl);
    const page = await http(`${this.base}${start.pathname}${start.search}`);
    expect(page.status).toBe(200);
    const cont = await http(`${this.base}/.stepgate/continue`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.base },
      body: formFields(page.body).toString(),
    });
    expect(cont.status).toBe(302);
    const authorize = new URL(cont.headers.location as string);
    const [stateName, stateCookie] = Object.entries(setCookies(cont))[0]!;
    const back = new URL(await this.idp.authorizeHeadless(authorize.href, login));
    const done = await http(`${this.base}${back.pathname}${back.search}`, { headers: { cookie: `${stateName}=${stateCookie}` } });
    // 302 back to rd, or the "done" page when the step-up had no return URL.
    expect([200, 302], done.body).toContain(done.status);
    this.session = setCookies(done).stepgate_session!;
    expect(this.session).toBeTruthy();
    return (done.headers.location as string | undefined) ?? '';
  }

  /** The page's approve/reject form token, or undefined when the page offers no form. */
  async token(id: string): Promise<string | undefined> {
    const page = await this.get(`/.stepgate/approvals/${id}`);
    expect(page.status).toBe(200);
    return /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page.body)?.[1];
  }

  post(id: string, form: Record<string, string>, headers: Record<string, string> = { origin: this.base, 'sec-fetch-site': 'same-origin' }): Promise<HttpResult> {
    return http(`${this.base}/.stepgate/approvals/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.cookie, ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  async decide(id: string, decision: 'approve' | 'reject'): Promise<HttpResult> {
    const csrf = await this.token(id);
    expect(csrf, 'the approval page offers the form').toBeDefined();
    return this.post(id, { csrf: csrf!, decision });
  }
}

/** The approval a denied Check names (Kubernetes Status body → stepgate.approval). */
export function approvalOf(res: CheckResponse): { id: string; url: string } {
  const body = deniedBody(res) as { stepgate?: { approval?: { id: string; url: string } }; approval?: { id: string; url: string } };
  const a = body.stepgate?.approval ?? body.approval;
  expect(a, `no approval in ${reasonOf(res)} body`).toBeDefined();
  return a!;
}

/** The step-up link on an approval page. */
export function stepUpLink(body: string): string | undefined {
  const m = /<a id="stepgate-stepup" href="([^"]+)">/.exec(body);
  return m?.[1]?.replace(/&#(\d+);/g, (_s, n: string) => String.fromCharCode(Number(n)));
}

/** The step-up test config plus an automation issuer, a prod-writes rule at aal2 and the approver settings. */
export function approvalsConfigYaml(idp: string, httpPort: number, saIssuer: string, extra = ''): string {
  return (
    stepupConfigYaml({
      idp,
      httpPort,
      extraRules: `    - name: prod-writes
      match: { kubernetes: { namespaces: [prod], verbs: [create, update, patch, delete] } }
      require: aal2
      max_age: 600
`,
    })
      // Generous fetch timeouts: the first JWKS fetch runs while the test process (which also
      // serves both issuers) is busy starting everything else, and a failed fetch cools down for 30 s.
      .replace(`audiences: [${CLIENT_ID}]\n    algorithms: [RS256]\n`, `audiences: [${CLIENT_ID}]\n    algorithms: [RS256]\n    fetch_timeout_ms: 20000\n`)
      .replace('issuers:\n', `issuers:\n  - issuer: ${saIssuer}\n    audiences: [kubernetes]\n    algorithms: [RS256]\n    fetch_timeout_ms: 20000\n`) +
    `automation:
  issuers: [${saIssuer}]
  approval_ttl_seconds: 3600
  approver:
    level: aal2
    max_age_seconds: 300
    groups: [engineers]
${extra}`
  );
}
