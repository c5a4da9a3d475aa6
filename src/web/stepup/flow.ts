import type { JWTPayload } from 'jose';
import { askNonce, askOfNonce } from '../../core/ask-nonce.js';
import { boundedAuthTime } from '../../core/auth-time.js';
import type { Config } from '../../config/schema.js';
import { REASONS, type ReasonCode } from '../../core/reasons.js';
import { cappedLevel, NO_LEVEL } from '../../core/assurance.js';
import type { Runtime } from '../../pipeline/runtime.js';
import { identityRefusal } from '../../pipeline/standing.js';
import { FLOW_ERRORS, type FlowErrorCode } from './errors.js';
import { APPROVAL_ID } from '../../approvals/request-id.js';
import { approvalBaseUrl } from '../../approvals/urls.js';
import { client, IdpUnavailableError, type OidcClient } from './oidc.js';
import { donePage, errorPage, PAGE_HEADERS, SESSION_PAGE_HEADERS, START_PAGE_HEADERS, sessionPage, signedOutPage, stepUpPage, type ErrorPageInput, type SignedIn } from './pages.js';
import { checkOrigin } from '../approvals/csrf.js';
import { sessionSubjectClaim, subjectProblem, type Identity } from '../../core/identity.js';
import { buildAttributes } from '../../request/build.js';
import { RequestHeaders } from '../../request/headers.js';
import { DEVICE_COOKIE, deviceOwner } from '../../cookies/device-cookie.js';
import { cookieHeader as setCookieHeader } from '../../cookies/session.js';
import { STATE_PREFIX } from '../../cookies/state.js';
import { cookieValues } from '../../request/cookies.js';
import { LINK_SIG } from '../../cookies/stepup-link.js';
import { GUARDRAIL_RULE_PREFIX, guardrailInWords, guardrailTitle, type GuardrailCode } from '../../config/guardrail-codes.js';
import type { RequestAttributes } from '../../request/attributes.js';
import { ReturnTo } from './return-to.js';
import type { SessionClaims } from '../../cookies/session.js';
import type { StateCookies } from '../../cookies/state.js';

/** A transport-neutral HTTP answer; src/server/http/stepup.ts writes it. */
export interface FlowResponse {
  status: number;
  headers: (readonly [string, string])[];
  body: string;
  /** For the audit record; never sent. */
  audit: FlowAudit | undefined;
  /**
   * Set on error pages: the server renders the page again with the request and trace ids it
   * knows, so that the page names the audit record.
   */
  error?: ErrorPageInput | undefined;
}

export interface FlowAudit {
  event: 'stepup.flow';
  outcome: 'redirected' | 'completed' | 'failed' | 'signed_out';
  code?: FlowErrorCode;
  detail?: string;
  level_required?: string;
  level_presented?: string;
  max_age?: number;
  prompt_login?: boolean;
  subject?: string;
  issuer?: string;
  return_host?: string;
  /**
   * Continue only: `signed` when the step-up link was a Check's own (its MAC verified), with
   * `rules` its causes as the Check named them; `hand-made` for a link without a MAC.
   */
  link?: 'signed' | 'hand-made';
  rules?: string;
  /**
   * Sign-out only: whether the session was ended server-side for every replica (`recorded`), could
   * not be (`failed`: the state store did not answer), or there was no valid session to end
   * (`none`: no cookie, a forged or expired one).
   */
  session_ended?: 'recorded' | 'failed' | 'none';
}

export interface FlowDeps {
  runtime: () => Runtime;
  oidc: OidcClient;
  state: StateCookies;
  now: () => number;
}

/** Reasons that mean the existing authentication is too old: the IdP must authenticate again. */
const NEEDS_FRESH_LOGIN = new Set<string>(['auth_too_old', 'auth_time_missing', 'approval_required']);
/** auth_time and the IdP's clock may disagree by this much. */
const CLOCK_SKEW_S = 30;
const MAX_MAX_AGE = 10 * 365 * 86_400;
const NO_HEADERS = RequestHeaders.of([]);

/**
 * The browser step-up: the explanatory page (start), the authorization request (continue) and
 * the callback. Pure request → response logic over injected parts; no node:http here.
 */
/** Step-up flows a browser keeps open at once; starting another ends the oldest (StateCookies.clearsBeyond). */
const MAX_LIVE_FLOWS = 2;

/** Session cookies a callback verifies before it refuses to guess (otherSubject). */
const MAX_SESSION_COOKIES_READ = 4;

export class StepUpFlow {
  constructor(private readonly deps: FlowDeps) {}

  /** GET /.stepgate/start?level&max_age&rd&reason */
  async start(q: URLSearchParams, cookieHeader?: string, referer?: string): Promise<FlowResponse> {
    const rt = this.deps.runtime();
    const input = this.readInput(rt, q);
    if (!input.ok) return this.fail(input.code, input.detail);
    const { rank, asked: askedRank, maxAge, rd, reason, signed } = input;
    const levels = rt.config.assurance.levels;
    const level = levels[askedRank]!;
    const target = rd ? new URL(rd) : undefined;
    const signedIn = await this.signedIn(rt, cookieHeader);
    const who = signedIn.ok ? signedIn.who : undefined;
    const reasons = [
      reason === 'approval_required'
        ? 'Approving an automation request needs a fresh, strong sign-in.'
        : reason
          ? REASONS[reason].message
          : 'This page needs a stronger sign-in than the one you have.',
    ];
    // A link the Check made (its MAC verified) goes to continue as it came, MAC included, so that
    // the authorization request asks what the page said; a hand-made one as read here.
    const fields: Record<string, string> = signed ? Object.fromEntries(q) : { level: levels[rank]!.name };
    if (!signed) {
      if (askedRank > rank) fields.sign_in_level = level.name;
      if (q.get('max_age') !== null) fields.max_age = String(maxAge);
      if (rd) fields.rd = rd;
      if (reason) fields.reason = reason;
      // The ask this step-up answers (risk/ask.ts): the sign-in's nonce names it, and the session
      // made from its ID token answers that ask, not every count's run crossed before it.
      const ask = askParam(q);
      if (ask !== undefined) fields.ask = ask;
    }
    const asked = q.get('max_age') === null ? undefined : Number(q.get('max_age'));
    const nowS = Math.floor(this.deps.now() / 1000);
    const context = contextInWords(q, nowS);
    // Why, in the Check's own terms when the link is its own: the rules, guardrails and risk
    // bands that made this requirement, and which of them made it stricter than the rules alone.
    const causes = signed ? signedCauses(rt, q, nowS) : undefined;
    return {
      status: 200,
      // Its Continue form is checked for Origin, which a no-referrer page would send as `null`.
      headers: [...START_PAGE_HEADERS],
      body: stepUpPage({
        target: target && { host: target.host, path: target.pathname },
        rules: causes !== undefined ? [...causes.lines, ...(target ? incidentDescriptions(rt, target, signedIn.ok ? signedIn.identity : undefined) : [])] : target ? ruleDescriptions(rt, target, signedIn.ok ? signedIn.identity : undefined) : [],
        reasons,
        context,
        warning: countedRunWarning(q, nowS),
        factor: level.description ?? `A sign-in at level ${level.name}.`,
        stricter: causes?.stricter ?? [],
        who,
        lasts: lasting(asked, rt.config.stepup.session!.lifetime_seconds, causes?.after),
        cancel: cancelTarget(rt, target, referer),
        fields,
      }),
      audit: undefined,
    };
  }

  /** GET /.stepgate/session: who this browser's session names (HTML, or JSON when asked). */
  async session(cookieHeader: string | undefined, accept: string | undefined): Promise<FlowResponse> {
    const rt = this.deps.runtime();
    const s = await this.signedIn(rt, cookieHeader);
    if (wantsJson(accept)) {
      const body = s.ok
        ? { signed_in: true, subject: s.who.subject, issuer: s.identity.issuer, level: s.who.level, auth_time: iso(s.who.authTime), expires_at: iso(s.who.expiresAt) }
        : { signed_in: false, reason: s.reason };
      return { status: 200, headers: [['content-type', 'application/json'], ['cache-control', 'no-store'], ['x-content-type-options', 'nosniff']], body: `${JSON.stringify(body)}\n`, audit: undefined };
    }
    return { status: 200, headers: [...SESSION_PAGE_HEADERS], body: sessionPage({ who: s.ok ? s.who : undefined, none: s.ok ? undefined : s.message }), audit: undefined };
  }

  /**
   * POST /.stepgate/signout: clears every stepgate cookie the browser sent (session, device, the
   * per-flow state cookies), same-origin only so that another site cannot sign a user out. A valid
   * session cookie is also ended server-side until it would have expired, so that a copy taken
   * before (an infostealer, a proxy log) stops working on every replica.
   */
  async signout(cookieHeader: string | undefined, origin: string | undefined, secFetchSite: string | undefined): Promise<FlowResponse> {
    const rt = this.deps.runtime();
    const stepupUrl = rt.config.stepup.url;
    const checked = stepupUrl ? checkOrigin(origin, secFetchSite, new URL(stepupUrl).origin) : { ok: false as const, detail: 'stepup.url is not set' };
    if (!checked.ok) return this.fail('stepup_signout_refused', `sign-out refused: ${checked.detail}`);
    const session = rt.config.stepup.session!;
    const cleared = new Set<string>();
    const headers: (readonly [string, string])[] = [...PAGE_HEADERS];
    const clear = (name: string, path: string, domain: string | undefined) => {
      headers.push(['set-cookie', setCookieHeader(name, '', { maxAge: 0, path, domain })]);
    };
    // Always the two fixed names, with the attributes they were set with (a cookie is only
    // replaced by one with the same name, path and domain).
    clear(session.cookie_name, '/', session.domain);
    cleared.add(session.cookie_name);
    clear(DEVICE_COOKIE, '/', session.domain);
    cleared.add(DEVICE_COOKIE);
    for (const name of stateCookieNames(cookieHeader)) {
      if (cleared.has(name)) continue;
      cleared.add(name);
      clear(name, '/.stepgate/', undefined);
    }
    const ended = await this.endSession(rt, cookieHeader);
    const detail = `cleared ${cleared.size} cookies${ended.detail === undefined ? '' : `; ${ended.detail}`}`;
    return {
      status: 200,
      headers,
      body: signedOutPage(ended.outcome),
      audit: { event: 'stepup.flow', outcome: 'signed_out', detail, session_ended: ended.outcome, subject: ended.subject, issuer: ended.issuer },
    };
  }

  /**
   * Records the browser's session as ended. Only a session that verifies: a forged, expired or
   * absent cookie names nothing to end, and must not let anyone write to the store.
   */
  private async endSession(
    rt: Runtime,
    cookieHeader: string | undefined,
  ): Promise<{ outcome: 'recorded' | 'failed' | 'none'; detail?: string; subject?: string; issuer?: string }> {
    const value = rt.sessions?.fromCookieHeader(cookieHeader);
    if (value === undefined) return { outcome: 'none' };
    let v: Awaited<ReturnType<NonNullable<Runtime['sessions']>['verify']>>;
    try {
      v = await rt.sessions!.verify(value);
    } catch {
      return { outcome: 'none', detail: 'the session cookie could not be read' };
    }
    if (!v.ok) return { outcome: 'none', detail: `no session to end (${v.reason})` };
    const who = { subject: v.identity.subject, issuer: v.identity.issuer };
    const board = rt.revocations;
    if (board === undefined || v.identity.session === '') return { outcome: 'failed', detail: 'no state store to record the sign-out in', ...who };
    try {
      await board.signOut(v.identity.session, v.identity.expiresAt, this.deps.now());
      return { outcome: 'recorded', ...who };
    } catch (err) {
      return { outcome: 'failed', detail: `the sign-out could not be recorded: ${err instanceof Error ? err.message : 'state store error'}`, ...who };
    }
  }

  /**
   * The subject of a valid session this browser sent that is not `subject`, if any. A callback
   * never switches the user a browser is signed in as: a flow cookie set from a sibling host
   * (cookie tossing), with the callback URL of a login the attacker made as themselves, would
   * otherwise replace the victim's session (and device cookie) with the attacker's, and the
   * victim would go on working as the attacker (login CSRF). Every session cookie sent is
   * looked at, so a second one tossed beside the victim's hides nothing; verifying is not free,
   * so past four distinct values the browser is taken as signed in as someone unknown (tossed
   * junk placed before the victim's cookie, set to expire seconds later, must not hide it).
   */
  private async otherSubject(rt: Runtime, cookieHeader: string | undefined, issuer: string, subject: string): Promise<string | undefined> {
    const sessions = rt.sessions;
    if (sessions === undefined) return undefined;
    const values = new Set(cookieValues(cookieHeader, sessions.cookieName).filter((v) => v !== ''));
    if (values.size > MAX_SESSION_COOKIES_READ) return `(one of ${values.size} ${sessions.cookieName} cookies)`;
    for (const value of values) {
      let v: Awaited<ReturnType<typeof sessions.verify>>;
      try {
        v = await sessions.verify(value);
      } catch {
        continue;
      }
      // A session that was revoked, or whose access window is closed, signs nobody in: it does not
      // stand in the way of the sign-in just made (a refused mirror read still does, fail closed).
      const barred = v.ok ? identityRefusal(rt, v.identity)?.reason : undefined;
      if (!v.ok || barred === 'credential_revoked' || barred === 'access_window_closed') continue;
      if (v.identity.issuer !== issuer || v.identity.subject !== subject) return v.identity.subject;
    }
    return undefined;
  }

  private async signedIn(
    rt: Runtime,
    cookieHeader: string | undefined,
  ): Promise<{ ok: true; who: SignedIn; identity: Identity } | { ok: false; reason: string; message: string }> {
    const value = rt.sessions?.fromCookieHeader(cookieHeader);
    if (value === undefined) return { ok: false, reason: 'none', message: 'There is no stepgate session in this browser.' };
    let v: Awaited<ReturnType<NonNullable<Runtime['sessions']>['verify']>>;
    try {
      v = await rt.sessions!.verify(value);
    } catch {
      // Saying who is signed in is a courtesy: it never turns the page into an error.
      return { ok: false, reason: 'invalid', message: 'The stepgate session in this browser could not be read.' };
    }
    if (!v.ok) {
      return v.reason === 'session_expired'
        ? { ok: false, reason: 'expired', message: 'Your stepgate session has ended. The next page that needs it will ask you to sign in.' }
        : { ok: false, reason: 'invalid', message: 'This browser holds a stepgate session that is not valid here; signing out clears it.' };
    }
    const id = v.identity;
    const barred = identityRefusal(rt, id);
    if (barred?.reason === 'credential_revoked') {
      return { ok: false, reason: 'invalid', message: 'This browser holds a stepgate session that was signed out or revoked; signing out clears it.' };
    }
    // Not signed in as far as anything behind stepgate is concerned: the window's own sentence says why.
    if (barred?.reason === 'access_window_closed') return { ok: false, reason: 'access_window_closed', message: barred.message };
    return {
      ok: true,
      identity: id,
      who: { subject: id.subject, level: id.level === NO_LEVEL ? 'none' : id.levelName, authTime: id.authTime, expiresAt: Math.floor(id.expiresAt / 1000) },
    };
  }

  /**
   * POST /.stepgate/continue (form fields as start's query): the authorization request. Same-origin
   * only, like sign-out: another site's auto-submitted form would send the browser to the IdP
   * without the page that says what is being confirmed (an IdP with a live session answers at
   * once), and leave a flow cookie of up to 3 KiB per post on stepgate's path.
   */
  async continue(form: URLSearchParams, origin?: string, secFetchSite?: string, cookieHeader?: string): Promise<FlowResponse> {
    const rt = this.deps.runtime();
    const stepupUrl = rt.config.stepup.url;
    const checked = stepupUrl ? checkOrigin(origin, secFetchSite, new URL(stepupUrl).origin) : { ok: false as const, detail: 'stepup.url is not set' };
    if (!checked.ok) return this.fail('stepup_continue_refused', `continue refused: ${checked.detail}`);
    const input = this.readInput(rt, form);
    if (!input.ok) return this.fail(input.code, input.detail);
    const oidc = rt.config.stepup.oidc!;
    let config: client.Configuration;
    try {
      config = await this.deps.oidc.configuration();
    } catch (err) {
      return this.fail('stepup_idp_unavailable', err instanceof Error ? err.message : 'discovery failed');
    }
    const levelName = rt.assurance.names[input.rank]!;
    const prompt = input.maxAge === 0 || (input.reason !== undefined && NEEDS_FRESH_LOGIN.has(input.reason));
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const ask = askParam(form);
    const nonce = ask !== undefined ? askNonce(ask, client.randomNonce()) : client.randomNonce();
    const params: Record<string, string> = {
      redirect_uri: oidc.redirect_uri,
      scope: oidc.scopes.join(' '),
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      acr_values: rt.assurance.acrValues(input.asked),
      max_age: String(input.maxAge),
    };
    if (prompt) params.prompt = 'login';
    const url = client.buildAuthorizationUrl(config, params);
    const cookie = await this.deps.state.issue({ state, nonce, verifier, level: levelName, maxAge: input.maxAge, rd: input.rd ?? '', prompt });
    // At most MAX_LIVE_FLOWS flows per browser: this one and the newest before it (two tabs). Each
    // state cookie holds its rd (up to ~3 KiB), and enough of them on /.stepgate/ pass a proxy's
    // header limit (nginx's 8 KiB line), locking the browser out of every step-up until they
    // expire. Browsers list older cookies of one path first (RFC 6265 §5.4): the last are kept.
    const live = stateCookieNames(cookieHeader);
    const older = live.slice(0, Math.max(0, live.length - (MAX_LIVE_FLOWS - 1))).map((n) => ['set-cookie', this.deps.state.clearNamed(n)] as const);
    return {
      status: 302,
      headers: [['location', url.href], ['set-cookie', cookie], ...older, ['cache-control', 'no-store'], ['referrer-policy', 'no-referrer']],
      body: '',
      audit: {
        event: 'stepup.flow',
        outcome: 'redirected',
        level_required: levelName,
        max_age: input.maxAge,
        prompt_login: prompt,
        return_host: input.rd ? new URL(input.rd).host : undefined,
        link: input.signed ? 'signed' : 'hand-made',
        rules: input.signed ? (form.get('rules') ?? undefined) : undefined,
      },
    };
  }

  /** GET /.stepgate/callback?code&state (or ?error&state). */
  async callback(query: URLSearchParams, cookieHeader: string | undefined): Promise<FlowResponse> {
    const known: { rd?: string } = {};
    const r = await this.callbackInner(query, cookieHeader, known);
    // rd came out of the sealed state cookie, validated when the flow started: safe to link to.
    if (r.error && known.rd) {
      r.error = { ...r.error, back: known.rd };
      r.body = errorPage(r.error);
    }
    return r;
  }

  private async callbackInner(query: URLSearchParams, cookieHeader: string | undefined, known: { rd?: string }): Promise<FlowResponse> {
    const rt = this.deps.runtime();
    const state = query.get('state');
    if (!state || state.length > 256) return this.fail('stepup_request_invalid', 'the callback has no state');
    const taken = await this.deps.state.take(state, cookieFrom(cookieHeader, this.deps.state.cookieName(state)));
    const clear = this.deps.state.clear(state);
    if (!taken.ok) return this.fail(taken.code, taken.detail, [clear]);
    const flow = taken.flow;
    // From here on the page knows where the user was going: failures link back to it.
    if (flow.rd) known.rd = flow.rd;
    const base: Partial<FlowAudit> = { level_required: flow.level, max_age: flow.maxAge, prompt_login: flow.prompt };
    const idpError = query.get('error');
    if (idpError !== null) {
      const code: FlowErrorCode = idpError === 'access_denied' ? 'stepup_access_denied' : 'stepup_idp_error';
      const safe = /^[A-Za-z0-9_.-]{1,64}$/.test(idpError) ? idpError : 'unknown';
      return this.fail(code, `identity provider error ${safe}`, [clear], base, code === 'stepup_idp_error' ? `The identity provider answered: ${safe}.` : undefined);
    }
    const oidc = rt.config.stepup.oidc!;
    let config: client.Configuration;
    try {
      config = await this.deps.oidc.configuration();
    } catch (err) {
      return this.fail('stepup_idp_unavailable', err instanceof Error ? err.message : 'discovery failed', [clear], base);
    }
    // The URL the IdP redirected to, as registered: behind the gateway the local one differs.
    const current = new URL(oidc.redirect_uri);
    current.search = query.toString();
    let claims: JWTPayload | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        maxAge: flow.maxAge,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (err) {
      return this.fail(...exchangeFailure(err), [clear], base);
    }
    if (!claims) return this.fail('stepup_token_invalid', 'no ID token', [clear], base);
    return this.finish(rt, flow, claims, clear, base, cookieHeader);
  }

  private async finish(
    rt: Runtime,
    flow: { level: string; maxAge: number; rd: string },
    claims: JWTPayload,
    clear: string,
    base: Partial<FlowAudit>,
    cookieHeader: string | undefined,
  ): Promise<FlowResponse> {
    const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
    const amr = Array.isArray(claims.amr) ? claims.amr.filter((x): x is string => typeof x === 'string') : [];
    // Held to the step-up IdP's max_level where it is also a listed issuer, as its session will be
    // (identity/session.ts): a session minted above it would be read lower and asked again.
    const presented = cappedLevel(rt.assurance.classify(acr, amr), rt.config.issuers.find((i) => i.issuer === claims.iss)?.max_level, rt.assurance);
    const presentedName = presented === NO_LEVEL ? 'none' : rt.assurance.names[presented]!;
    const required = rt.assurance.names.indexOf(flow.level);
    const who = { subject: typeof claims.sub === 'string' ? claims.sub : undefined, issuer: claims.iss, level_presented: presentedName };
    if (required < 0 || presented < required) {
      return this.fail('stepup_level_too_low', `presented ${presentedName}, required ${flow.level}`, [clear], { ...base, ...who });
    }
    const now = Math.floor(this.deps.now() / 1000);
    // openid-client checks that the authentication is not too old, never that it is not in the
    // future: a future auth_time would mint a session that stays "fresh" for every max_age.
    for (const [claim, t] of [['auth_time', claims.auth_time], ['iat', claims.iat]] as const) {
      if (typeof t === 'number' && t > now + CLOCK_SKEW_S) {
        return this.fail('stepup_time_invalid', `ID token ${claim} is ${t - now}s in the future`, [clear], { ...base, ...who });
      }
    }
    // Read as bearer tokens are (core/auth-time.ts): never after now, nor long after the ID token's iat.
    const authTime = boundedAuthTime(claims.auth_time, claims.iat, now);
    if (authTime === undefined || now - authTime > flow.maxAge + CLOCK_SKEW_S) {
      const detail = authTime === undefined ? 'no auth_time' : `authenticated ${now - authTime}s ago, max_age ${flow.maxAge}s`;
      return this.fail('stepup_auth_too_old', detail, [clear], { ...base, ...who });
    }
    const sc = sessionClaims(rt.config, claims, acr, amr, authTime);
    const named = sessionSubject(rt.config, sc);
    if (named.problem !== undefined) return this.fail('stepup_token_invalid', `ID token ${named.problem}`, [clear], { ...base, ...who });
    const other = await this.otherSubject(rt, cookieHeader, sc.iss, named.subject);
    if (other !== undefined) {
      return this.fail('stepup_subject_changed', 'the browser holds a valid session of another subject', [clear], { ...base, ...who }, `This browser is signed in as ${other}; the sign-in just made is ${named.subject}. Nothing was changed.`);
    }
    const session = await rt.sessionCodec!.create(sc, this.deps.now());
    if (!session) return this.fail('stepup_auth_too_old', 'authentication older than the session lifetime', [clear], { ...base, ...who });
    // An account outside its access window gets no session cookie (nor device cookie): the window
    // is judged on the identity the session will be read as on every Check (subject_claim,
    // subject_prefix, groups), so the minted value is read back once before it is handed out.
    // Revocations are not asked here: this sign-in is newer than any subject revocation, and a
    // signed-out session's hash is not this one's.
    const minted = await rt.sessions!.verify(session.value);
    if (!minted.ok) return this.fail('stepup_internal_error', `the minted session does not verify: ${minted.reason}`, [clear], { ...base, ...who });
    const shut = identityRefusal(rt, minted.identity);
    if (shut?.reason === 'access_window_closed') {
      return this.fail('stepup_access_window_closed', shut.detail, [clear], { ...base, ...who }, shut.message);
    }
    const cookies: [string, string][] = [
      ['set-cookie', rt.sessionCodec!.setCookie(session.value, session.maxAge)],
      ['set-cookie', clear],
    ];
    // The browser that just proved itself gets a device id, unless it already holds a valid one:
    // the risk engine learns it with this step-up and recognises the laptop from then on. On the
    // done page as well as on the redirect: a step-up without a return URL is a step-up too.
    const owner = deviceOwner(sc.iss, named.subject);
    if (rt.deviceCookies && rt.deviceCookies.fromCookieHeader(cookieHeader, owner) === undefined) {
      cookies.push(['set-cookie', rt.deviceCookies.issue(owner).setCookie]);
    }
    const audit: FlowAudit = { event: 'stepup.flow', outcome: 'completed', ...base, ...who, issuer: typeof claims.iss === 'string' ? claims.iss : undefined };
    if (flow.rd) {
      audit.return_host = new URL(flow.rd).host;
      return { status: 302, headers: [['location', flow.rd], ...cookies, ['cache-control', 'no-store'], ['referrer-policy', 'no-referrer']], body: '', audit };
    }
    return { status: 200, headers: [...PAGE_HEADERS, ...cookies], body: donePage(), audit };
  }

  notFound(): FlowResponse {
    return this.fail('stepup_not_found', 'no such step-up route');
  }

  fail(code: FlowErrorCode, detail: string, extraHeaders: string[] = [], base: Partial<FlowAudit> = {}, shown?: string): FlowResponse {
    const headers: (readonly [string, string])[] = [...PAGE_HEADERS, ...extraHeaders.map((c) => ['set-cookie', c] as const)];
    const error: ErrorPageInput = { code, shown };
    return {
      status: FLOW_ERRORS[code].status,
      headers,
      body: errorPage(error),
      error,
      audit: code === 'stepup_not_found' ? undefined : { event: 'stepup.flow', outcome: 'failed', code, detail, ...base },
    };
  }

  private readInput(
    rt: Runtime,
    q: URLSearchParams,
  ):
    | { ok: true; rank: number; asked: number; maxAge: number; rd: string | undefined; reason: ReasonCode | undefined; signed: boolean }
    | { ok: false; code: FlowErrorCode; detail: string } {
    // A link with a MAC is the Check's: changed in any parameter, it is refused rather than read
    // (a raised max_age or a dropped guardrail would make the page and the IdP request disagree
    // with the Check that will judge the session). Without one it is a hand-made link, read as before.
    const link = rt.stepUpLinks?.check(q) ?? (q.has(LINK_SIG) ? 'invalid' : 'absent');
    if (link === 'invalid') return { ok: false, code: 'stepup_request_invalid', detail: 'the step-up link does not verify (changed after stepgate made it, or signed with a key no longer listed)' };
    const levelParam = q.get('level');
    const rank = levelParam === null ? 0 : rt.assurance.names.indexOf(levelParam);
    if (rank < 0) return { ok: false, code: 'stepup_request_invalid', detail: 'unknown level' };
    // The level to ask the identity provider for, when the challenge keeps the sign-in's own
    // (above `level`); the sign-in is still accepted at `level`, which is all the request needs.
    const askedParam = q.get('sign_in_level');
    const asked = askedParam === null ? rank : rt.assurance.names.indexOf(askedParam);
    if (asked < 0) return { ok: false, code: 'stepup_request_invalid', detail: 'unknown sign_in_level' };
    const lifetime = rt.config.stepup.session!.lifetime_seconds;
    const maxAgeParam = q.get('max_age');
    let maxAge = lifetime;
    if (maxAgeParam !== null) {
      if (!/^\d{1,10}$/.test(maxAgeParam) || Number(maxAgeParam) > MAX_MAX_AGE) {
        return { ok: false, code: 'stepup_request_invalid', detail: 'max_age is not a number of seconds' };
      }
      // Never longer than a session lives: the session's age is counted from auth_time.
      maxAge = Math.min(Number(maxAgeParam), lifetime);
    }
    const reasonParam = q.get('reason');
    const reason = reasonParam !== null && Object.hasOwn(REASONS, reasonParam) ? (reasonParam as ReasonCode) : undefined;
    const rdParam = q.get('rd');
    let rd: string | undefined;
    if (rdParam !== null && rdParam !== '' && isApprovalPage(rt, rdParam)) {
      rd = rdParam;
    } else if (rdParam !== null && rdParam !== '') {
      const checked = new ReturnTo(rt.config.stepup.return_hosts).check(rdParam);
      if (!checked.ok) return { ok: false, code: 'stepup_return_refused', detail: `rd refused: ${checked.detail}` };
      rd = checked.url;
    }
    return { ok: true, rank, asked: Math.max(asked, rank), maxAge, rd, reason, signed: link === 'valid' };
  }
}

/** An ask id as the engine writes them (risk/ask.ts); anything else is no ask, and the sign-in names none. */
function askParam(q: URLSearchParams): string | undefined {
  const a = q.get('ask');
  return a !== null && /^[0-9a-z]{1,9}[ro][A-Za-z0-9_-]{12,20}$/.test(a) ? a : undefined;
}

/**
 * What a context-bound step-up (risk engine) is bound to, in the words kubectl's Status line uses:
 * "New network since 14:02 UTC: sign in again on this device". Only the codes below and a time
 * in the last week are shown; anything else in a hand-made link is ignored, so the page never
 * repeats text from the URL. Every code a context-bound step-up can carry (risk/context-bound.ts)
 * is here: a code left out made the page silent about why, and for a count's run that silence is
 * what malware needs (see COUNTED_RUNS).
 */
const CONTEXT_WORDS: Readonly<Record<string, readonly [string, string]>> = {
  new_network: ['New network', 'sign in again on this device'],
  new_device: ['New browser', 'sign in again in this browser'],
  ua_family_change: ['New kind of client', 'sign in again with it'],
  session_new_device: ['Your sign-in in use on a device first seen after it', 'sign in again on this device'],
  platform_change: ['Your sign-in in use on another platform', 'sign in again on this device'],
  certificate_missing: ['A device without the client certificate your sign-in was used with', 'sign in again on this device'],
  impossible_travel: ['Your sign-in used from two places too far apart', 'sign in again on this device'],
  sensitive_objects: ['Unusual number of sensitive objects', 'sign in again to confirm it is you'],
  machine_pace: ['Sensitive objects read at machine pace', 'sign in again to confirm it is you'],
  destructive_burst: ['Burst of deletes', 'sign in again to confirm it is you'],
  dormant_account: ['An account back after a long silence', 'ask an administrator to confirm it is you; signing in again alone does not help'],
  unfamiliar_namespace: ['A namespace outside your usual work', 'sign in again to confirm it is you'],
  unfamiliar_kind: ['A kind of action new to you', 'sign in again to confirm it is you'],
  accelerators_above_history: ['More GPUs or other accelerators than you have asked for before', 'sign in again to confirm it is you'],
  cluster_secret_list: ['Secrets listed across all namespaces', 'sign in again to confirm it is you'],
  assurance_downgrade: ['A sign-in weaker than your usual from a new network, on a device stepgate cannot prove', 'sign in again with your strongest factor'],
};
/**
 * The counts (engine.ts isRunCode): such a step-up is asked of a run of requests made with the
 * user's login, and the sign-in made for it answers the whole run (its ask, risk/ask.ts), whoever
 * made those requests. The credential plugin warns before that sign-in (plugin.ts answering); the
 * browser page must too, or malware on the laptop keeping its run over gets it answered by the
 * engineer's next browser step-up, whose link carries the run's ask.
 */
const COUNTED_RUNS: ReadonlySet<string> = new Set(['machine_pace', 'sensitive_objects']);
const CONTEXT_MAX_AGE_S = 7 * 86_400;

/** The context's code and time when the link names a known code and a time in the last week. */
function contextOf(q: URLSearchParams, nowS: number): { code: string; at: string } | undefined {
  const code = q.get('context');
  const since = q.get('since');
  if (code === null || since === null || !Object.hasOwn(CONTEXT_WORDS, code) || !/^\d{1,12}$/.test(since)) return undefined;
  const t = Number(since);
  if (t > nowS + 60 || nowS - t > CONTEXT_MAX_AGE_S) return undefined;
  return { code, at: new Date(t * 1000).toISOString().slice(11, 16) };
}

export function contextInWords(q: URLSearchParams, nowS: number): string | undefined {
  const c = contextOf(q, nowS);
  if (c === undefined) return undefined;
  const [what, todo] = CONTEXT_WORDS[c.code]!;
  return `${what} since ${c.at} UTC: ${todo}.`;
}

/**
 * The page's warning for a sign-in that answers a count's run; undefined for any other. Read from
 * the context code and from the ask itself: a run's ask (`<crossing, base 36>r<12>`, risk/ask.ts)
 * is what the sign-in will answer, so a link that carries it without its context still warns.
 * The time is the context's, else the run's crossing from the ask, when within the last week.
 */
export function countedRunWarning(q: URLSearchParams, nowS: number): string | undefined {
  const c = contextOf(q, nowS);
  const run = RUN_ASK.exec(askParam(q) ?? '');
  if (!(c !== undefined && COUNTED_RUNS.has(c.code)) && run === null) return undefined;
  const crossed = run === null ? undefined : parseInt(run[1]!, 36);
  const at = c?.at ?? (crossed !== undefined && crossed <= nowS + 60 && nowS - crossed <= CONTEXT_MAX_AGE_S ? new Date(crossed * 1000).toISOString().slice(11, 16) : undefined);
  return `This sign-in vouches for the requests stepgate counted on your login${at === undefined ? '' : ` since ${at} UTC`}. If you did not make them, do not sign in: close this page and tell your security team.`;
}

/**
 * A count's run ask as risk/ask.ts writes it. An object's ask (`o`, 8 more characters) never reads
 * as one: its `o` and digest put more than nine characters before any `r` twelve from the end.
 */
const RUN_ASK = /^([0-9a-z]{1,9})r[A-Za-z0-9_-]{12}$/;

/**
 * stepgate's own approval pages are a return target without being listed in return_hosts: the
 * exact URLs (the step-up origin, the approvals path, an id of the exact shape) and nothing else.
 */
function isApprovalPage(rt: Runtime, rd: string): boolean {
  if (!rt.config.automation?.approver || !rt.config.stepup.url) return false;
  const base = approvalBaseUrl(rt.config.stepup.url);
  if (rd === base.slice(0, -1)) return true;
  return rd.startsWith(base) && APPROVAL_ID.test(rd.slice(base.length));
}

/**
 * The subject the session's identity will have (identity/session.ts reads it the same way), or why
 * it cannot have one (core/identity.ts subjectProblem: a control character, an unverified claim).
 */
function sessionSubject(config: Config, sc: SessionClaims): { subject: string; problem: string | undefined } {
  const payload: Record<string, unknown> = { ...sc.extra, sub: sc.sub };
  const claim = sessionSubjectClaim(payload, config.issuers.find((i) => i.issuer === sc.iss)?.subject_claim ?? 'sub');
  return { subject: String(payload[claim]), problem: subjectProblem(payload, claim) };
}

/**
 * What the step-up session cookie keeps of the ID token (exported for its tests). Whatever an
 * identity of the issuer is built from must be here: the session is read back through the same
 * issuer's settings (identity/session.ts) as its bearer tokens are.
 */
export function sessionClaims(config: Config, claims: JWTPayload, acr: string | undefined, amr: string[], authTime: number): SessionClaims {
  const issuer = config.stepup.oidc!.issuer;
  const iss = config.issuers.find((i) => i.issuer === issuer);
  const extra: Record<string, unknown> = {};
  // An approver's name for automation.acts_for is kept too: the approval pages compare it with the
  // people a pipeline runs for. So is the old identity of a migrated issuer (issuers[].history_of):
  // without it, a moved engineer's browser session had no history but its own, and was a newcomer
  // whose first sign-in proves the network it is made from, where their token was judged on the
  // history they brought.
  const approverClaims = (config.automation?.acts_for ?? []).flatMap((f) => (f.approver_claim === undefined ? [] : [f.approver_claim]));
  const historyClaim = iss?.history_of === undefined ? [] : [iss.history_of.claim];
  for (const name of [iss?.subject_claim ?? 'sub', iss?.groups_claim ?? 'groups', ...Object.keys(config.identity_headers.claims), ...approverClaims, ...historyClaim]) {
    if (claims[name] !== undefined) extra[name] = claims[name];
    // Whether the IdP verified it (`email_verified`): the session is read as a token with it is.
    if (claims[`${name}_verified`] !== undefined) extra[`${name}_verified`] = claims[`${name}_verified`];
  }
  // The ask the sign-in was made for (its nonce, checked against the flow's): the session answers
  // that ask as a plugin's token naming it does (risk/ask.ts).
  if (askOfNonce(claims.nonce) !== undefined) extra.nonce = claims.nonce;
  return { iss: issuer, sub: claims.sub!, acr, amr, auth_time: authTime, extra };
}

/** oauth4webapi's message when the ID token's JWS signature does not verify. */
const SIGNATURE_FAILED = 'JWT signature verification failed';
/** Which ID-token claim a failed comparison names → the page's code. */
const CLAIM_CODES: Record<string, FlowErrorCode> = {
  iss: 'stepup_issuer_mismatch',
  aud: 'stepup_audience_mismatch',
  azp: 'stepup_audience_mismatch',
  nonce: 'stepup_nonce_mismatch',
};

/**
 * A failed code exchange → a specific code. A wrong issuer, a rejected code and a bad signature
 * need different people to act (the operator's config, the user's retry, a security review), so
 * each has its own page code; what is not recognised stays stepup_token_invalid.
 */
export function exchangeFailure(err: unknown): [FlowErrorCode, string] {
  if (err instanceof client.ResponseBodyError) {
    // invalid_grant: the code is unknown, used or expired; anything else is a client or IdP fault.
    return [err.error === 'invalid_grant' ? 'stepup_code_rejected' : 'stepup_token_invalid', `token endpoint: ${err.error}`];
  }
  if (err instanceof client.AuthorizationResponseError) return ['stepup_idp_error', `authorization response: ${err.error}`];
  if (err instanceof IdpUnavailableError) return ['stepup_idp_unavailable', err.message];
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  // fetch failures (connection refused, timeout) carry no OAuth error: the IdP is unreachable.
  if (e.name === 'TypeError' || e.name === 'TimeoutError' || e.name === 'AbortError') return ['stepup_idp_unavailable', String(e.message)];
  // openid-client wraps oauth4webapi's error, which may wrap details: walk the chain (bounded).
  let cur: unknown = err;
  for (let depth = 0; depth < 4 && cur !== null && typeof cur === 'object'; depth++) {
    const c = cur as { message?: unknown; claim?: unknown; cause?: unknown };
    if (c.message === SIGNATURE_FAILED) return ['stepup_signature_invalid', 'ID token signature verification failed'];
    if (typeof c.claim === 'string' && Object.hasOwn(CLAIM_CODES, c.claim)) return [CLAIM_CODES[c.claim]!, `ID token ${c.claim} does not match`];
    // RFC 9207: the callback's own `iss` parameter names another issuer.
    if (typeof c.message === 'string' && c.message.includes('"iss" (issuer) response parameter')) return ['stepup_issuer_mismatch', 'the callback iss parameter names another issuer'];
    cur = c.cause;
  }
  return ['stepup_token_invalid', typeof e.code === 'string' ? e.code : 'ID token validation failed'];
}

function cookieFrom(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const p = part.trim();
    if (p.startsWith(name) && p[name.length] === '=') return p.slice(name.length + 1);
  }
  return undefined;
}

function duration(s: number): string {
  if (s % 3600 === 0 && s >= 3600) return `${s / 3600} hour${s === 3600 ? '' : 's'}`;
  if (s % 60 === 0 && s >= 60) return `${s / 60} minute${s === 60 ? '' : 's'}`;
  return `${s} seconds`;
}

/** Descriptions of the rules that ask for this step-up: the policy matched again for the return URL. */
function ruleDescriptions(rt: Runtime, target: URL, who: Identity | undefined): string[] {
  // A browser step-up starts from a navigation: a GET of rd. The pipeline's own parser reads it,
  // so the rules matched are the ones the Check matched (identity-dependent rules with the
  // session's identity, when there is one). A hand-made link only: the Check's own names them.
  const built = navigation(rt, target);
  if (built === undefined) return [];
  const names = rt.policy.evaluate(built, who, rt.now()).rules;
  const described = new Map(rt.config.policy.rules.flatMap((r) => (r.description ? [[r.name, r.description] as const] : [])));
  const rules = names.map((n) => described.get(n)).filter((d): d is string => d !== undefined);
  // An active incident is a reason of its own, in the words of whoever raised it (issue 15).
  return [...rules, ...incidentDescriptions(rt, target, who)];
}

/** The active incidents that hold a GET of `target`, in the words of whoever raised them. */
function incidentDescriptions(rt: Runtime, target: URL, who: Identity | undefined): string[] {
  if (rt.incidents === undefined) return [];
  const built = navigation(rt, target);
  return built === undefined ? [] : rt.incidents.describe(built, who, rt.now());
}

function navigation(rt: Runtime, target: URL): RequestAttributes | undefined {
  const built = buildAttributes(
    {
      method: 'GET',
      target: `${target.pathname}${target.search}`,
      authority: target.host,
      scheme: target.protocol.slice(0, -1),
      headers: NO_HEADERS,
      sourceAddress: '',
      sourcePrincipal: '',
      contextExtensions: {},
      body: undefined,
      bodyTruncated: false,
    },
    [],
    rt.kubeHosts,
  );
  return built.ok ? built.attributes : undefined;
}

/** What a Check's own step-up link says of why, in words (StepUpFlow.start). */
export interface SignedCauses {
  /** One line per rule (its description), guardrail and risk band that took part, in the Check's order. */
  lines: string[];
  /**
   * Said under "What is needed" when the level or the window is stricter than the matched rules
   * alone ask, naming what made it so; empty when the rules alone ask it.
   */
  stricter: string[];
  /** A context-bound step-up's bound (epoch seconds): the sign-in must be made after it. */
  after: number | undefined;
}

/**
 * The causes a verified link names (`rules`, as the Check's requirement lists them) in the words
 * kubectl's Status line uses: a rule's description, "Guardrail: <title> (<code>)", the risk band.
 * And which of them made the level or the window stricter than the rules alone: the rules'
 * own requirement is compiled from the configuration (a rule's max_age, else the default's), so a
 * page never says a rule's "15 minutes" above a 5-minute window without saying what shortened it.
 */
export function signedCauses(rt: Runtime, q: URLSearchParams, nowS: number): SignedCauses {
  const names = (q.get('rules') ?? '').split(',').filter((n) => n !== '');
  const cfg = rt.config.policy;
  const byName = new Map(cfg.rules.map((r) => [r.name, r] as const));
  const lines: string[] = [];
  const tighteners: string[] = [];
  let ruleLevel = -1;
  let ruleMaxAge: number | undefined;
  let anyRule = false;
  const rule = (level: number, maxAge: number | undefined) => {
    anyRule = true;
    if (level > ruleLevel) ruleLevel = level;
    if (maxAge !== undefined && (ruleMaxAge === undefined || maxAge < ruleMaxAge)) ruleMaxAge = maxAge;
  };
  const defaultLevel = cfg.default.require === undefined ? -1 : rt.assurance.names.indexOf(cfg.default.require);
  for (const n of names) {
    if (n.startsWith(GUARDRAIL_RULE_PREFIX)) {
      const code = n.slice(GUARDRAIL_RULE_PREFIX.length) as GuardrailCode;
      // Only codes stepgate has words for (a title of its own): nothing from the link is repeated.
      if (guardrailTitle(code) === code) continue;
      lines.push(`Guardrail: ${guardrailInWords(code)}.`);
      tighteners.push(`the guardrail “${guardrailTitle(code)}” (${code})`);
    } else if (n === 'risk:context') {
      tighteners.push('the change named first above');
    } else if (n.startsWith('risk:')) {
      const band = n.slice('risk:'.length);
      if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(band)) continue;
      lines.push(`The risk stepgate scored for this request reached the ${band} band.`);
      tighteners.push(`the ${band} risk band`);
    } else if (n.startsWith('incident:')) {
      tighteners.push('an active incident');
    } else if (n === 'default') {
      rule(defaultLevel, cfg.default.max_age);
    } else {
      const r = byName.get(n);
      if (r === undefined) continue;
      rule(r.require === undefined ? defaultLevel : rt.assurance.names.indexOf(r.require), r.max_age ?? cfg.default.max_age);
      if (r.description !== undefined) lines.push(r.description);
    }
  }
  const stricter: string[] = [];
  const levelParam = q.get('level');
  const level = levelParam === null ? -1 : rt.assurance.names.indexOf(levelParam);
  const maxAgeParam = q.get('max_age');
  const maxAge = maxAgeParam === null ? undefined : Number(maxAgeParam);
  const c = contextOf(q, nowS);
  // The context's bound is what holds when it is later than the rules' own window would reach
  // back; otherwise any sign-in within that window is after it anyway, and the window is said.
  const since = c === undefined ? undefined : Number(q.get('since'));
  const after = since !== undefined && (ruleMaxAge === undefined || since > nowS - ruleMaxAge) ? since : undefined;
  const because = tighteners.length === 0 ? '' : `, because of ${tighteners.join(' and ')}`;
  const rulesSay = anyRule ? 'The rule for this page asks' : 'No rule asks';
  if (level > ruleLevel && level >= 0) {
    stricter.push(`${rulesSay} ${ruleLevel >= 0 ? `for level ${rt.assurance.names[ruleLevel]!}` : 'for no level'}; this request needs level ${rt.assurance.names[level]!}${because}.`);
  }
  if (after !== undefined || (maxAge !== undefined && (ruleMaxAge === undefined || maxAge < ruleMaxAge))) {
    const asked = ruleMaxAge === undefined ? 'for a sign-in of any age' : `for a sign-in from the last ${duration(ruleMaxAge)}`;
    const needed = after !== undefined ? `a sign-in made after ${c!.at} UTC` : maxAge === 0 ? 'a sign-in made just now' : `a sign-in from the last ${duration(maxAge!)}`;
    stricter.push(`${rulesSay} ${asked}; this request needs ${needed}${because}.`);
  }
  return { lines, stricter, after };
}

/**
 * How long the step-up counts, in words. The session's lifetime caps every rule's max_age (the
 * session cannot outlive it), which is why a page may say "1 hour" when the rule says 12: say so.
 */
export function lasting(asked: number | undefined, lifetime: number, after?: number): string[] {
  if (asked === undefined) return [`This sign-in lasts ${duration(lifetime)} from when you sign in.`];
  // Bound to a context change: what counts is a sign-in made after it (the Check's "made after"),
  // not the seconds that had passed since it when the link was made.
  if (after !== undefined) {
    return [`This page accepts a sign-in made after ${new Date(after * 1000).toISOString().slice(11, 16)} UTC.`, `Your stepgate session itself lasts ${duration(lifetime)}.`];
  }
  if (asked === 0) return ['This page needs a sign-in just now: it asks again next time.', `Other pages accept it for up to ${duration(lifetime)}.`];
  if (asked < lifetime) {
    return [`This page accepts a sign-in from the last ${duration(asked)}; after that it asks again.`, `Your stepgate session itself lasts ${duration(lifetime)}.`];
  }
  if (asked === lifetime) return [`This sign-in lasts ${duration(lifetime)} from when you sign in.`];
  return [
    `This sign-in lasts ${duration(lifetime)} from when you sign in.`,
    `The rule for this page would accept a sign-in from the last ${duration(asked)}, but a stepgate session lasts at most ${duration(lifetime)} (stepup.session.lifetime_seconds), so you will be asked again after ${duration(lifetime)}.`,
  ];
}

/**
 * Where Cancel goes: the page the user came from (Referer) when it is an allowed return target
 * other than the one that needs the step-up, else the start of the site that asked. Never a URL
 * the return-target check refuses: Cancel must not become an open redirect.
 */
function cancelTarget(rt: Runtime, target: URL | undefined, referer: string | undefined): { href: string; label: string } | undefined {
  if (!target) return undefined;
  const returnTo = new ReturnTo(rt.config.stepup.return_hosts);
  if (referer !== undefined) {
    const r = returnTo.check(referer);
    if (r.ok && r.url !== target.href) return { href: r.url, label: `Cancel and go back to ${new URL(r.url).host}` };
  }
  const home = returnTo.check(`${target.origin}/`);
  // Cancel to the very page that asked for this step-up would only ask again.
  if (home.ok && home.url !== target.href) return { href: home.url, label: `Cancel and go to ${target.host}` };
  return undefined;
}

function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const a = accept.toLowerCase();
  return a.includes('application/json') && !a.includes('text/html');
}

function iso(seconds: number | undefined): string | undefined {
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();
}

/** The step-up state cookies' names in a Cookie header, in its order (bounded: at most 64 pairs are looked at). */
function stateCookieNames(header: string | undefined): string[] {
  if (!header) return [];
  return [
    ...new Set(
      header
        .split(';')
        .slice(0, 64)
        .map((p) => p.trim().split('=', 1)[0]!.trim())
        .filter((n) => n.startsWith(STATE_PREFIX) && /^[A-Za-z0-9_-]{1,64}$/.test(n)),
    ),
  ];
}
