import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieAgent, readError, readForm, type Page } from '../../demo/headless.js';
import { AAL1, AAL2, startDevIdp, type DevIdp } from '../../demo/idp.js';
import { totpAt, verifyTotp } from '../../demo/totp.js';

const client = { client_id: 'app', client_secret: 'app-secret', redirect_uris: ['http://127.0.0.1:9/cb'] };
const basicClient = {
  client_id: 'basic-app',
  client_secret: 'basic-secret',
  redirect_uris: ['http://127.0.0.1:9/cb'],
  token_endpoint_auth_method: 'client_secret_basic' as const,
};
const creds = { ...client, redirect_uri: 'http://127.0.0.1:9/cb' };

let idp: DevIdp;
beforeAll(async () => {
  idp = await startDevIdp({ clients: [client, basicClient] });
});
afterAll(async () => {
  await idp?.close();
});

async function verify(token: string) {
  const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
  const { payload } = await jwtVerify(token, jwks, { issuer: idp.issuer, audience: client.client_id });
  return payload;
}

function authUrl(extra: Record<string, string> = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const u = new URL(`${idp.issuer}/auth`);
  u.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: creds.redirect_uri,
    response_type: 'code',
    scope: 'openid',
    state: 'st',
    nonce: 'n',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return u.href;
}

/** Follows redirects on the IdP until a page (or a redirect away from it). */
async function follow(agent: CookieAgent, page: Page): Promise<Page> {
  while (page.location && new URL(page.location).origin === idp.issuer) page = await agent.request(page.location);
  return page;
}

describe('development IdP', () => {
  it('publishes discovery with code flow, S256 PKCE and both assurance levels', async () => {
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as Record<string, unknown>;
    expect(d.issuer).toBe(idp.issuer);
    expect(d.response_types_supported).toEqual(['code']);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    expect(d.acr_values_supported).toEqual([AAL1, AAL2]);
    expect(d.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr', 'auth_time', 'email', 'groups']));
  });

  it('password login gives an aal1 ID token with amr [pwd], auth_time, email and groups', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await idp.idToken({ ...creds, user: 'alice', password: 'alice-password' });
    const p = await verify(token);
    expect(p.sub).toBe('alice');
    expect(p.acr).toBe(AAL1);
    expect(p.amr).toEqual(['pwd']);
    expect(p.email).toBe('alice@example.test');
    expect(p.groups).toEqual(['engineers']);
    expect(p.auth_time).toBeGreaterThanOrEqual(before);
    expect(p.auth_time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('acr_values asking for aal2 forces the second factor: aal2, amr [pwd, otp, mfa]', async () => {
    const token = await idp.idToken({ ...creds, user: 'bob', password: 'bob-password', acr_values: AAL2 });
    const p = await verify(token);
    expect(p.sub).toBe('bob');
    expect(p.acr).toBe(AAL2);
    expect(p.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(p.groups).toEqual([]);
  });

  it('the user may choose the second factor without being asked (otp: true), with client_secret_basic too', async () => {
    const token = await idp.idToken({ ...basicClient, redirect_uri: creds.redirect_uri, user: 'alice', password: 'alice-password', otp: true });
    expect(decodeJwt(token)).toMatchObject({ acr: AAL2, amr: ['pwd', 'otp', 'mfa'], aud: basicClient.client_id });
  });

  it('refuses a wrong password', async () => {
    await expect(idp.idToken({ ...creds, user: 'alice', password: 'bob-password' })).rejects.toThrow(/Wrong user name or password/);
    await expect(idp.idToken({ ...creds, user: 'mallory', password: 'x' })).rejects.toThrow(/Wrong user name or password/);
  });

  it('refuses a wrong TOTP code, then accepts the right one', async () => {
    const agent = new CookieAgent(idp.issuer);
    let page = await follow(agent, await agent.request(authUrl({ acr_values: AAL2 })));
    const login = readForm(page)!;
    expect(login.step).toBe('login');
    page = await agent.request(login.action, { method: 'POST', form: { ...Object.fromEntries(login.fields), user: 'alice', password: 'alice-password' } });
    const otp = readForm(page)!;
    expect(otp.step).toBe('otp');
    const wrong = String((Number(idp.totp('alice')) + 500_000) % 1_000_000).padStart(6, '0');
    page = await agent.request(otp.action, { method: 'POST', form: { otp: wrong } });
    expect(readError(page)).toMatch(/not valid/);
    expect(readForm(page)!.step).toBe('otp');
    page = await agent.request(otp.action, { method: 'POST', form: { otp: 'abcdef' } });
    expect(readError(page)).toMatch(/not valid/);
    page = await agent.request(otp.action, { method: 'POST', form: { otp: idp.totp('alice') } });
    page = await follow(agent, page);
    const back = new URL(page.location!);
    expect(back.origin + back.pathname).toBe(creds.redirect_uri);
    expect(back.searchParams.get('code')).toBeTruthy();
  });

  it('stops after five wrong codes and asks for the password again', async () => {
    const agent = new CookieAgent(idp.issuer);
    let page = await follow(agent, await agent.request(authUrl({ acr_values: AAL2 })));
    const login = readForm(page)!;
    page = await agent.request(login.action, { method: 'POST', form: { ...Object.fromEntries(login.fields), user: 'bob', password: 'bob-password' } });
    const otp = readForm(page)!;
    for (let i = 0; i < 5; i++) page = await agent.request(otp.action, { method: 'POST', form: { otp: '000000' === idp.totp('bob') ? '111111' : '000000' } });
    expect(readError(page)).toMatch(/Too many wrong codes/);
    expect(readForm(page)!.step).toBe('login');
    page = await agent.request(otp.action, { method: 'POST', form: { otp: idp.totp('bob') } });
    expect(readError(page)).toMatch(/password first/);
  });

  it('steps an existing aal1 session up when aal2 is requested, and re-authenticates on prompt=login and max_age', async () => {
    const agent = new CookieAgent(idp.issuer);
    const signIn = async (url: string, withOtp: boolean) => {
      let page = await follow(agent, await agent.request(url));
      const steps: string[] = [];
      for (let form = readForm(page); form; form = page.location ? undefined : readForm(page)) {
        steps.push(form.step!);
        const fields: Record<string, string> =
          form.step === 'login'
            ? { ...Object.fromEntries(form.fields), user: 'alice', password: 'alice-password', ...(withOtp ? { mfa: 'on' } : {}) }
            : { otp: idp.totp('alice') };
        page = await follow(agent, await agent.request(form.action, { method: 'POST', form: fields }));
      }
      expect(new URL(page.location!).searchParams.get('code')).toBeTruthy();
      return steps;
    };
    expect(await signIn(authUrl(), false)).toEqual(['login']);
    // Same browser, no new requirement: the session is reused, no page shown.
    expect(await signIn(authUrl(), false)).toEqual([]);
    // aal2 requested over an aal1 session: the IdP must not answer from the session.
    expect(await signIn(authUrl({ acr_values: AAL2 }), false)).toEqual(['login', 'otp']);
    expect(await signIn(authUrl({ acr_values: AAL2 }), false)).toEqual([]);
    expect(await signIn(authUrl({ prompt: 'login' }), false)).toEqual(['login']);
    expect(await signIn(authUrl({ max_age: '0' }), false)).toEqual(['login']);
  });

  it('requires PKCE and refuses other response types', async () => {
    const noPkce = new URL(authUrl());
    noPkce.searchParams.delete('code_challenge');
    noPkce.searchParams.delete('code_challenge_method');
    const agent = new CookieAgent(idp.issuer);
    const r1 = await agent.request(noPkce.href);
    expect(new URL(r1.location!).searchParams.get('error')).toBe('invalid_request');
    const implicit = new URL(authUrl());
    implicit.searchParams.set('response_type', 'id_token');
    const r2 = await agent.request(implicit.href);
    // An implicit response type answers in the fragment.
    expect(new URLSearchParams(new URL(r2.location!).hash.slice(1)).get('error')).toBe('unsupported_response_type');
  });

  it('cancel on the login page returns access_denied to the client', async () => {
    const agent = new CookieAgent(idp.issuer);
    const page = await follow(agent, await agent.request(authUrl()));
    const uid = /\/interaction\/([^/]+)\/login/.exec(readForm(page)!.action)![1];
    const back = await follow(agent, await agent.request(`${idp.issuer}/interaction/${uid}/abort`));
    expect(new URL(back.location!).searchParams.get('error')).toBe('access_denied');
  });

  it('TOTP follows RFC 6238 (SHA-1 test vectors, 6 digits) and accepts one step of skew', () => {
    const secret = Buffer.from('12345678901234567890');
    expect(totpAt(secret, 59_000)).toBe('287082');
    expect(totpAt(secret, 1111111109_000)).toBe('081804');
    expect(totpAt(secret, 2000000000_000)).toBe('279037');
    expect(verifyTotp(secret, '287082', 59_000 + 30_000)).toBe(true);
    expect(verifyTotp(secret, '287082', 59_000 + 60_000)).toBe(false);
    expect(verifyTotp(secret, '28708', 59_000)).toBe(false);
  });
});
