import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { askNonce } from '../core/ask-nonce.js';
import { readableLine } from '../core/readable.js';

/**
 * Signing in at the identity provider with `openid-client`: the authorization code flow with PKCE
 * and a loopback redirect (RFC 8252 §7.3, any port on 127.0.0.1) in the system browser, or the
 * device authorization grant (RFC 8628) when there is no browser. The result is the ID token
 * stepgate verifies, and, for the everyday level, a refresh token.
 */

export interface SignInRequest {
  /** RFC 9470 acr_values; undefined for the everyday sign-in. */
  acrValues?: string;
  maxAge?: number;
  /** Ask the IdP to authenticate again even with a live session (freshness step-ups). */
  promptLogin?: boolean;
  /**
   * The stepgate ask this sign-in answers (risk/ask.ts): sent as the nonce `<ask>.<random>`, which
   * the ID token carries back signed. The device grant has no nonce: its sign-in names no ask.
   */
  ask?: string;
}

export interface SignInResult {
  idToken: string;
  refreshToken?: string;
  claims: { exp: number; auth_time?: number; acr?: string };
}

export interface SignInOptions {
  issuer: string;
  clientId: string;
  scopes: string;
  /** Command that opens a URL (the URL is appended as its last argument); undefined: the platform's. */
  browser: string | undefined;
  device: boolean;
  timeoutMs: number;
  stderr: (line: string) => void;
}

export class SignInError extends Error {
  constructor(
    readonly code: 'cancelled' | 'expired' | 'failed' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

function isLoopbackHttp(u: URL): boolean {
  return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]' || u.hostname === 'localhost');
}

export async function discover(issuer: string, clientId: string): Promise<oidc.Configuration> {
  const url = new URL(issuer);
  // Plain http only for an issuer on this machine (a development IdP); anything else needs TLS.
  return oidc.discovery(url, clientId, undefined, oidc.None(), isLoopbackHttp(url) ? { execute: [oidc.allowInsecureRequests] } : undefined);
}

function params(o: SignInOptions, r: SignInRequest): Record<string, string> {
  const p: Record<string, string> = { scope: o.scopes };
  if (r.acrValues) p.acr_values = r.acrValues;
  if (r.maxAge !== undefined) p.max_age = String(r.maxAge);
  if (r.promptLogin) p.prompt = 'login';
  return p;
}

function result(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): SignInResult {
  const claims = tokens.claims();
  if (!tokens.id_token || !claims) throw new SignInError('failed', 'the identity provider returned no ID token');
  return {
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token,
    claims: {
      exp: claims.exp,
      auth_time: typeof claims.auth_time === 'number' ? claims.auth_time : undefined,
      acr: typeof claims.acr === 'string' ? claims.acr : undefined,
    },
  };
}

export async function signIn(o: SignInOptions, r: SignInRequest): Promise<SignInResult> {
  const config = await discover(o.issuer, o.clientId);
  const checks = r.maxAge !== undefined ? { maxAge: r.maxAge } : {};
  try {
    return await (o.device ? deviceSignIn(config, o, r, checks) : browserSignIn(config, o, r, checks));
  } catch (err) {
    if (err instanceof oidc.ResponseBodyError) {
      throw new SignInError('failed', `the identity provider refused the sign-in: ${readableLine(err.error)}${err.error_description ? ` (${readableLine(err.error_description)})` : ''}`);
    }
    throw err;
  }
}

async function browserSignIn(config: oidc.Configuration, o: SignInOptions, r: SignInRequest, checks: { maxAge?: number }): Promise<SignInResult> {
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const state = oidc.randomState();
  const nonce = r.ask !== undefined ? askNonce(r.ask, oidc.randomNonce()) : oidc.randomNonce();
  let deliver: (u: URL) => void = () => undefined;
  const arrived = new Promise<URL>((resolve) => (deliver = resolve));
  let redirectUri = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Resolved against the full redirect URI (with its port): the token request repeats it exactly.
    const u = new URL(req.url ?? '/', redirectUri);
    if (u.pathname !== '/callback' || u.searchParams.get('state') !== state) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const ok = !u.searchParams.has('error');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(`<!doctype html><title>stepgate</title><p>${ok ? 'Signed in. You can close this window and return to the terminal.' : 'Sign-in cancelled. You can close this window.'}</p>`);
    deliver(u);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  try {
    const url = oidc.buildAuthorizationUrl(config, {
      ...params(o, r),
      redirect_uri: redirectUri,
      response_type: 'code',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    o.stderr(`stepgate: opening the browser to sign in${r.acrValues ? ` (${r.acrValues})` : ''}; if it does not open, visit:\n  ${url.href}`);
    openBrowser(o.browser, url.href);
    const back = await withTimeout(arrived, o.timeoutMs);
    const error = back.searchParams.get('error');
    if (error !== null) {
      const code = error === 'access_denied' ? 'cancelled' : 'failed';
      // The redirect's query is text from the browser's address bar: shown, never obeyed, on the terminal.
      throw new SignInError(code, `the identity provider answered ${readableLine(error)}${back.searchParams.has('error_description') ? `: ${readableLine(back.searchParams.get('error_description')!)}` : ''}`);
    }
    const tokens = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, ...checks }, { redirect_uri: redirectUri });
    return result(tokens);
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

async function deviceSignIn(config: oidc.Configuration, o: SignInOptions, r: SignInRequest, checks: { maxAge?: number }): Promise<SignInResult> {
  const start = await oidc.initiateDeviceAuthorization(config, params(o, r));
  const where = start.verification_uri_complete ?? start.verification_uri;
  o.stderr(`stepgate: to sign in${r.acrValues ? ` (${r.acrValues})` : ''}, open ${where} on any device and enter the code ${start.user_code}`);
  const controller = new AbortController();
  // The identity provider says when its code has expired (expired_token, RFC 8628 §3.5), on the
  // first poll after; the plugin's own deadline comes two polls later and only guards against an
  // identity provider that never says so.
  const interval = start.interval ?? 5;
  const timer = setTimeout(() => controller.abort(), Math.min(o.timeoutMs, (start.expires_in + 2 * interval) * 1000));
  try {
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, start, undefined, { signal: controller.signal });
    // The device grant has no authorization response to carry max_age checks; check auth_time here.
    const res = result(tokens);
    if (checks.maxAge !== undefined && res.claims.auth_time !== undefined && Date.now() / 1000 - res.claims.auth_time > checks.maxAge + 60) {
      throw new SignInError('failed', 'the identity provider returned an authentication older than max_age');
    }
    return res;
  } catch (err) {
    if (controller.signal.aborted) throw new SignInError('timeout', 'the device sign-in was not completed in time');
    if (err instanceof oidc.ResponseBodyError && err.error === 'access_denied') {
      throw new SignInError('cancelled', 'the identity provider answered access_denied');
    }
    if (err instanceof oidc.ResponseBodyError && err.error === 'expired_token') {
      const within = start.expires_in >= 120 ? `${Math.round(start.expires_in / 60)} minutes` : `${start.expires_in} seconds`;
      throw new SignInError('expired', `the code ${start.user_code} expired at the identity provider (expired_token): run the command again for a new code, and enter it within ${within}`);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Refreshes the everyday sign-in; undefined when the refresh token is no longer accepted. */
export async function refresh(issuer: string, clientId: string, refreshToken: string): Promise<SignInResult | undefined> {
  const config = await discover(issuer, clientId);
  try {
    return result(await oidc.refreshTokenGrant(config, refreshToken));
  } catch (err) {
    if (err instanceof oidc.ResponseBodyError) return undefined;
    throw err;
  }
}

/**
 * Opens `url` with the configured command (split on spaces, the URL appended as one argument,
 * no shell), else the platform's opener. Detached: the browser outlives nothing of ours.
 */
export function openBrowser(command: string | undefined, url: string): void {
  const argv = command ? command.split(/\s+/).filter(Boolean) : process.platform === 'darwin' ? ['open'] : process.platform === 'win32' ? ['rundll32', 'url.dll,FileProtocolHandler'] : ['xdg-open'];
  try {
    const child = spawn(argv[0]!, [...argv.slice(1), url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // The URL is on stderr: the user can open it by hand.
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new SignInError('timeout', `no answer from the browser within ${Math.round(ms / 1000)}s`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e as Error);
      },
    );
  });
}
