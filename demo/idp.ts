import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { interactionPolicy, type InteractionDetails } from 'oidc-provider';
import { CookieAgent, readError, readForm } from './headless.js';
import { loginPage, messagePage, otpPage } from './idp-pages.js';
import { base32, totpAt, verifyTotp } from './totp.js';

/**
 * A development OpenID Provider on loopback http, built on oidc-provider 8: two users with a
 * password and a TOTP second factor. Password alone gives `urn:stepgate:aal1`; password plus the
 * code gives `urn:stepgate:aal2`. Code flow with PKCE only. For the demo and the end-to-end tests;
 * never for production (plain http, in-memory storage, fixed users).
 */

export const AAL1 = 'urn:stepgate:aal1';
export const AAL2 = 'urn:stepgate:aal2';
const RANK: Record<string, number> = { [AAL1]: 1, [AAL2]: 2 };

export interface DevIdpClient {
  client_id: string;
  /** Omitted for a public native client (the kubectl credential plugin): PKCE, no secret. */
  client_secret?: string;
  /**
   * A public native client (RFC 8252): loopback redirect URIs match on any port, the device
   * authorization grant (RFC 8628) and refresh tokens are allowed.
   */
  native?: boolean;
  redirect_uris: string[];
  /** Defaults to client_secret_post, what openid-client uses when given a secret. */
  token_endpoint_auth_method?: 'client_secret_post' | 'client_secret_basic';
}

export interface DevIdpOptions {
  port?: number;
  clients: DevIdpClient[];
  /** Show the current code on the second-factor page (the demo does; tests do not). */
  showTotpHint?: boolean;
  /** Clock for TOTP and auth_time, epoch ms. */
  now?: () => number;
  /** Lifetime of each new device code (RFC 8628) in seconds, asked per code; default 600. */
  deviceCodeTtl?: () => number;
}

export interface HeadlessLogin {
  user: string;
  password: string;
  /** Choose the second factor even when the request does not ask for it. */
  otp?: boolean;
}

export interface DevIdp {
  issuer: string;
  close(): Promise<void>;
  /** Drives the IdP's pages from `authorizationUrl` to the redirect back to the client; returns that URL. */
  authorizeHeadless(authorizationUrl: string, login: HeadlessLogin): Promise<string>;
  /** A full code flow with PKCE for `client_id`, returning the ID token. */
  idToken(opts: {
    client_id: string;
    client_secret: string;
    redirect_uri: string;
    user: string;
    password: string;
    otp?: boolean;
    acr_values?: string;
  }): Promise<string>;
  /** The user's current TOTP code. */
  totp(user: string): string;
  /** The user's TOTP secret in base32 (for an authenticator app). */
  totpSecret(user: string): string;
}

interface User {
  password: string;
  email: string;
  groups: string[];
  secret: Buffer;
}

const MAX_OTP_ATTEMPTS = 5;
const MAX_FORM_BYTES = 16 * 1024;

export async function startDevIdp(opts: DevIdpOptions): Promise<DevIdp> {
  const now = opts.now ?? Date.now;
  const users = new Map<string, User>([
    ['alice', { password: 'alice-password', email: 'alice@example.test', groups: ['engineers'], secret: randomBytes(20) }],
    ['bob', { password: 'bob-password', email: 'bob@example.test', groups: [], secret: randomBytes(20) }],
  ]);
  // Interactions that passed the password step and wait for the code, keyed by interaction uid.
  // The uid is bound to the browser by oidc-provider's interaction cookie (interactionDetails checks it).
  const pendingOtp = new Map<string, { user: string; attempts: number }>();

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const policy = interactionPolicy.base();
  // oidc-provider treats acr_values as voluntary; a step-up IdP must not hand back a weaker level
  // from an existing session, so a session below the requested level goes through login again.
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('acr_values_not_met', 'requested authentication level not met', 'login_required', (ctx) => {
      const required = requestedRank(ctx.oidc.params.acr_values);
      if (required === 0) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return (RANK[ctx.oidc.acr ?? ''] ?? 0) >= required
        ? interactionPolicy.Check.NO_NEED_TO_PROMPT
        : interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );

  const jwk = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'dev-rs256', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: opts.clients.map((c) =>
      c.native
        ? {
            client_id: c.client_id,
            application_type: 'native' as const,
            redirect_uris: c.redirect_uris,
            grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'none' as const,
            require_auth_time: true,
          }
        : {
            client_id: c.client_id,
            client_secret: c.client_secret,
            redirect_uris: c.redirect_uris,
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_post',
            require_auth_time: true,
          },
    ),
    // Refresh tokens for clients allowed the grant, without asking for offline_access: the
    // kubectl plugin keeps its everyday sign-in alive this way (a refresh keeps auth_time and acr).
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    acrValues: [AAL1, AAL2],
    // Every ID token carries the identity and assurance stepgate reads, whatever scopes or claims the
    // client asked for (oidc-provider otherwise adds acr/amr only when they are requested).
    claims: {
      sid: null,
      iss: null,
      openid: ['sub', 'acr', 'amr', 'auth_time', 'email', 'email_verified', 'groups'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
      DeviceCode: () => opts.deviceCodeTtl?.() ?? 600,
    },
    // deviceFlow: the RFC 8628 grant for the kubectl plugin in SSH sessions; its user-code and
    // confirmation pages are oidc-provider's own, then sign-in uses the pages below.
    features: { devInteractions: { enabled: false }, claimsParameter: { enabled: true }, deviceFlow: { enabled: true } },
    interactions: { policy, url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const u = users.get(id);
      if (!u) return undefined;
      return {
        accountId: id,
        claims: () => ({ sub: id, email: u.email, email_verified: true, groups: u.groups }),
      };
    },
    renderError: (ctx: { type: string; body: string }, out: { error: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = messagePage('Sign-in error', `${out.error}${out.error_description ? `: ${out.error_description}` : ''}`);
    },
  });
  const providerCallback = provider.callback();

  const html = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    });
    res.end(body);
  };

  const finishLogin = (req: IncomingMessage, res: ServerResponse, user: string, aal2: boolean) =>
    provider.interactionFinished(
      req,
      res,
      {
        login: {
          accountId: user,
          acr: aal2 ? AAL2 : AAL1,
          amr: aal2 ? ['pwd', 'otp', 'mfa'] : ['pwd'],
          ts: Math.floor(now() / 1000),
        },
      },
      { mergeWithLastSubmission: false },
    );

  const showLogin = (res: ServerResponse, details: InteractionDetails, error?: string) =>
    html(
      res,
      200,
      loginPage({
        uid: details.uid,
        clientId: String(details.params.client_id ?? ''),
        secondFactorRequired: requestedRank(details.params.acr_values) >= 2,
        loginHint: typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined,
        error,
      }),
    );

  const showOtp = (res: ServerResponse, uid: string, user: string, error?: string) =>
    html(res, 200, otpPage({ uid, user, error, hint: opts.showTotpHint ? totpAt(users.get(user)!.secret, now()) : undefined }));

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined) {
    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      html(res, 400, messagePage('Sign-in expired', 'This sign-in is no longer valid. Go back to the application and start again.'));
      return;
    }
    if (details.uid !== uid) {
      html(res, 400, messagePage('Sign-in expired', 'This sign-in does not belong to this browser. Start again.'));
      return;
    }

    if (req.method === 'GET' && action === undefined) {
      if (details.prompt.name === 'consent') {
        await grantConsent(req, res, details);
        return;
      }
      showLogin(res, details);
      return;
    }
    if (req.method === 'GET' && action === 'abort') {
      pendingOtp.delete(uid);
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the user cancelled the sign-in' }, { mergeWithLastSubmission: false });
      return;
    }
    if (req.method !== 'POST' || details.prompt.name !== 'login') {
      html(res, 405, messagePage('Not allowed', 'This step does not accept that request.'));
      return;
    }
    const form = await readFormBody(req);
    if (!form) {
      html(res, 400, messagePage('Bad request', 'The form could not be read.'));
      return;
    }

    if (action === 'login') {
      const user = form.get('user') ?? '';
      const u = users.get(user);
      if (!u || !sameSecret(u.password, form.get('password') ?? '')) {
        pendingOtp.delete(uid);
        showLogin(res, details, 'Wrong user name or password.');
        return;
      }
      const wantsOtp = requestedRank(details.params.acr_values) >= 2 || form.get('mfa') === 'on';
      if (!wantsOtp) {
        await finishLogin(req, res, user, false);
        return;
      }
      pendingOtp.set(uid, { user, attempts: 0 });
      showOtp(res, uid, user);
      return;
    }
    if (action === 'otp') {
      const pending = pendingOtp.get(uid);
      if (!pending) {
        showLogin(res, details, 'Sign in with your password first.');
        return;
      }
      const u = users.get(pending.user)!;
      if (!verifyTotp(u.secret, (form.get('otp') ?? '').trim(), now())) {
        pending.attempts++;
        if (pending.attempts >= MAX_OTP_ATTEMPTS) {
          pendingOtp.delete(uid);
          showLogin(res, details, 'Too many wrong codes. Sign in again.');
          return;
        }
        showOtp(res, uid, pending.user, 'That code is not valid. Enter the current code from your authenticator.');
        return;
      }
      pendingOtp.delete(uid);
      await finishLogin(req, res, pending.user, true);
      return;
    }
    html(res, 404, messagePage('Not found', 'No such step.'));
  }

  // A first-party development IdP: the user already chose to sign in to the app, so consent is
  // recorded without a page.
  async function grantConsent(req: IncomingMessage, res: ServerResponse, details: InteractionDetails) {
    const accountId = details.session?.accountId;
    if (!accountId) {
      html(res, 400, messagePage('Sign-in expired', 'Start again.'));
      return;
    }
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId: String(details.params.client_id) }))
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    const d = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|otp|abort))?$/.exec(path);
    if (!m) {
      providerCallback(req, res);
      return;
    }
    interaction(req, res, m[1]!, m[2]).catch(() => {
      if (!res.headersSent) html(res, 500, messagePage('Sign-in error', 'Something went wrong. Start again.'));
      else res.end();
    });
  };

  const totp = (user: string) => {
    const u = users.get(user);
    if (!u) throw new Error(`dev IdP: no user ${user}`);
    return totpAt(u.secret, now());
  };

  async function authorizeHeadless(authorizationUrl: string, login: HeadlessLogin): Promise<string> {
    const agent = new CookieAgent(issuer);
    let page = await agent.request(authorizationUrl);
    for (let step = 0; step < 20; step++) {
      if (page.status >= 300 && page.status < 400 && page.location) {
        if (new URL(page.location).origin !== issuer) return page.location;
        page = await agent.request(page.location);
        continue;
      }
      const error = readError(page);
      const form = readForm(page);
      if (page.status !== 200 || error !== undefined || !form) {
        throw new Error(`dev IdP refused the sign-in (HTTP ${page.status}): ${error ?? 'no form on the page'}`);
      }
      if (form.step === 'login') {
        const fields: Record<string, string> = { ...Object.fromEntries(form.fields), user: login.user, password: login.password };
        if (login.otp && !form.fields.has('mfa')) fields.mfa = 'on';
        page = await agent.request(form.action, { method: 'POST', form: fields });
      } else if (form.step === 'otp') {
        page = await agent.request(form.action, { method: 'POST', form: { ...Object.fromEntries(form.fields), otp: totp(login.user) } });
      } else {
        throw new Error(`dev IdP: unexpected form step ${form.step ?? '(none)'}`);
      }
    }
    throw new Error('dev IdP: too many steps without returning to the client');
  }

  async function idToken(o: Parameters<DevIdp['idToken']>[0]): Promise<string> {
    const client = opts.clients.find((c) => c.client_id === o.client_id);
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
      authorization_endpoint: string;
      token_endpoint: string;
    };
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const auth = new URL(discovery.authorization_endpoint);
    auth.search = new URLSearchParams({
      client_id: o.client_id,
      redirect_uri: o.redirect_uri,
      response_type: 'code',
      scope: 'openid email groups',
      state,
      nonce: randomBytes(16).toString('base64url'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...(o.acr_values ? { acr_values: o.acr_values } : {}),
    }).toString();
    const back = new URL(await authorizeHeadless(auth.href, { user: o.user, password: o.password, otp: o.otp }));
    const code = back.searchParams.get('code');
    if (back.searchParams.get('state') !== state || !code) {
      throw new Error(`dev IdP: authorization failed: ${back.searchParams.get('error') ?? 'state mismatch'}`);
    }
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: o.redirect_uri, code_verifier: verifier });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if ((client?.token_endpoint_auth_method ?? 'client_secret_post') === 'client_secret_basic') {
      const enc = (s: string) => encodeURIComponent(s);
      headers.authorization = `Basic ${Buffer.from(`${enc(o.client_id)}:${enc(o.client_secret)}`).toString('base64')}`;
    } else {
      body.set('client_id', o.client_id);
      body.set('client_secret', o.client_secret);
    }
    const res = await fetch(discovery.token_endpoint, { method: 'POST', headers, body });
    const json = (await res.json()) as { id_token?: string; error?: string };
    if (!res.ok || !json.id_token) throw new Error(`dev IdP: token request failed: ${json.error ?? res.status}`);
    return json.id_token;
  }

  return {
    issuer,
    authorizeHeadless,
    idToken,
    totp,
    totpSecret: (user) => {
      const u = users.get(user);
      if (!u) throw new Error(`dev IdP: no user ${user}`);
      return base32(u.secret);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The lowest level among the known acr values requested (0 when none is known). */
function requestedRank(acrValues: unknown): number {
  if (typeof acrValues !== 'string') return 0;
  const ranks = acrValues.split(' ').map((v) => RANK[v]).filter((r): r is number => r !== undefined);
  return ranks.length ? Math.min(...ranks) : 0;
}

function sameSecret(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

async function readFormBody(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
