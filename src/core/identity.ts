import type { JWTPayload } from 'jose';
import type { Config, IssuerConfig } from '../config/schema.js';
import type { AutomationMatcher } from './automation.js';
import { cappedLevel, NO_LEVEL, type AssuranceModel } from './assurance.js';
import { askOfNonce } from './ask-nonce.js';
import type { SenderBinding } from './cnf.js';
import { arrayBytes, flatString, internHeaders, internList, internPair, internString, madeBytes, stringBytes } from './intern.js';

/** A verified caller, built once per token and cached with it: nothing here is recomputed on a hit. */
export interface Identity {
  /** What proved it: a bearer token, or the step-up session cookie (never forwarded upstream). */
  source?: 'token' | 'session';
  subject: string;
  issuer: string;
  groups: readonly string[];
  acr: string | undefined;
  amr: readonly string[];
  /** Seconds since the epoch, from `auth_time`. */
  authTime: number | undefined;
  /** Seconds since the epoch, from `iat`: when the credential was issued (revocation, issue 15). */
  issuedAt?: number | undefined;
  /** Milliseconds since the epoch, from `exp`. */
  expiresAt: number;
  /** Rank in the assurance model (NO_LEVEL when below every level). */
  level: number;
  levelName: string;
  /**
   * Which session this credential belongs to, for the risk engine's "same session" signals: the
   * token's `sid` when the IdP sets one, else a hash of the credential itself; '' when unknown.
   */
  session: string;
  /**
   * The credential belongs to automation (`automation` in the config): it cannot do a step-up,
   * so a step-up verdict becomes a pending approval. Decided once per token, cached with it.
   */
  automation?: boolean;
  /**
   * The step-up this sign-in was made to answer: the ask id in its ID token's `nonce`
   * (`<ask id>.<random>`, risk/ask.ts), checked by the risk engine; undefined without one.
   */
  ask?: string | undefined;
  /**
   * The people an automation token runs for (`automation.acts_for`: GitHub Actions' `actor`,
   * GitLab's `user_login`…), bound into its approvals; none of them may approve one. Present only
   * on automation tokens of an issuer listed there (empty when the token names nobody).
   */
  actsFor?: readonly string[];
  /**
   * Whose risk history this identity's is (issuers[].history_of): the old identity provider's
   * issuer and the subject the token's claim names there; undefined for its own.
   */
  historyOf?: { readonly issuer: string; readonly subject: string } | undefined;
  /**
   * The key or certificate a sender-constrained token is bound to (`cnf`, core/cnf.ts): the token
   * counts only beside a proof of it, checked per request (identity/sender-binding.ts). Present
   * only on such tokens, which the verifier accepted because that check is on.
   */
  binding?: SenderBinding;
  /**
   * The subject as Kubernetes' structured authentication names the user: `issuers[].subject_prefix`
   * and the subject. Present only when the issuer has a prefix (then rules' `match.subjects`, the
   * subject header and `explain` read it); the risk history, revocations, approvals and the access
   * proxy keep reading `subject`, the claim as the token carries it, with the issuer beside it.
   */
  username?: string;
  /** Identity headers for the upstream, computed once per token. */
  upstreamHeaders: readonly (readonly [string, string])[];
  /**
   * An estimate of the heap this identity keeps alive on its own (identityBytes), fixed when it is
   * built. Not enumerable: it is bookkeeping, never part of what an identity says.
   */
  readonly heldBytes?: number;
}

/** Claims of a verified token (or, for `stepgate explain`, claims given by hand) → Identity. */
export function buildIdentity(
  iss: IssuerConfig,
  subject: string,
  payload: JWTPayload,
  assurance: AssuranceModel,
  headers: Config['identity_headers'],
  credentialHash = '',
  source: 'token' | 'session' = 'token',
  isAutomation: AutomationMatcher | undefined = undefined,
  binding: SenderBinding | undefined = undefined,
): Identity {
  // Lists and strings that many tokens have in common are shared (intern.ts): a cached entry then
  // holds little more than its subject, session and times (bench/token-cache.ts).
  const made = madeBytes();
  // A groups prefix (issuers[].groups_prefix) is part of the name everywhere: rules, the learning
  // exemptions, the admin and approver groups, the upstream headers all see `acme:admins`.
  const rawGroups = payload[iss.groups_claim];
  const listed = stringList(rawGroups);
  const groups = listed.length === 0 && groupsElsewhere(payload, iss.groups_claim, rawGroups, iss.missing_groups === 'not_listed') ? GROUPS_NOT_LISTED : internList(prefixed(listed, iss.groups_prefix));
  const acr = typeof payload.acr === 'string' ? internString(payload.acr) : undefined;
  // OIDC Core and RFC 8176 make amr a JSON array. A bare string is read as no methods, as the
  // step-up callback reads the same ID token (web/stepup/flow.ts) and as an acr in a list is read
  // as no acr: `"amr": "mfa"` was two factors here and one there, for the same signed claims.
  const amr = internList(Array.isArray(payload.amr) ? stringList(payload.amr) : NO_STRINGS);
  const authTime = typeof payload.auth_time === 'number' ? payload.auth_time : undefined;
  // The acr stays as the IdP wrote it (explain and the logs show it); the level is what the issuer is trusted for.
  const level = cappedLevel(assurance.classify(acr, amr), iss.max_level, assurance);
  const levelName = level === NO_LEVEL ? 'none' : assurance.names[level]!;
  const shared = internString(subject);
  const username = iss.subject_prefix === undefined || iss.subject_prefix === '' ? undefined : internString(iss.subject_prefix + subject);
  // The header value is the subject string itself unless headerSafe had to cut something out.
  const subjectValue = headerSafe(username ?? shared);
  const upstream: (readonly [string, string])[] = [
    internPair(headers.subject, subjectValue, subjectValue === (username ?? shared)),
    internPair(headers.level, levelName),
    internPair(headers.issuer, headerSafe(iss.issuer)),
  ];
  for (const [claim, header] of Object.entries(headers.claims)) {
    // A claim its issuer says it has not verified (`email` beside `email_verified: false`, OIDC
    // Core 5.1) is text the account holder typed: as a header it would name whoever owns that
    // address upstream. It is left out, so the removal list drops a client's copy as well.
    if (payload[`${claim}_verified`] === false) continue;
    // The groups claim goes up with its prefix, as every other reader sees it.
    const raw = payload[claim];
    const v = claim === iss.groups_claim && iss.groups_prefix && (typeof raw === 'string' || Array.isArray(raw)) ? groups : raw;
    // A value with a control character is left out rather than cut: `ceo@example.com\u0000`
    // with the NUL removed would name another person upstream.
    if (typeof v === 'string') {
      if (!disguised(v)) upstream.push(internPair(header, headerSafe(v)));
    } else if (Array.isArray(v)) upstream.push(internPair(header, headerSafe(listHeader(v))));
    else if (typeof v === 'number' || typeof v === 'boolean') upstream.push(internPair(header, String(v)));
  }
  const session =
    typeof payload.sid === 'string' && payload.sid !== '' ? flatString(`sid:${payload.sid.slice(0, 128)}`) : credentialHash === '' ? '' : flatString(`cred:${credentialHash.slice(0, 22)}`);
  const upstreamHeaders = internHeaders(upstream);
  const identity: Identity = {
    source,
    subject: shared,
    issuer: iss.issuer,
    groups,
    acr,
    amr,
    authTime,
    issuedAt: typeof payload.iat === 'number' ? payload.iat : undefined,
    expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY,
    level,
    levelName,
    // Flat: the concatenation would otherwise keep its parts (and the sliced hash its whole) alive.
    session,
    // A step-up session is by construction a human who just signed in: never automation.
    automation: source === 'token' && isAutomation !== undefined && isAutomation(iss.issuer, subject, payload),
    // Shared by every token with the same headers, which also lets the encoded-allow cache share
    // one encoded response between them (server/grpc/encoded-allows.ts).
    ask: askOfNonce(payload.nonce),
    historyOf: historyOf(iss, payload, shared),
    upstreamHeaders,
    // In the literal so that V8 keeps it in the object (added later, it took a 40-byte property
    // array of its own), then made non-enumerable below.
    heldBytes: 0,
  };
  const people = identity.automation === true ? isAutomation?.actsFor?.(iss.issuer, payload) : undefined;
  let actsForBytes = 0;
  if (people !== undefined) {
    // Added only here (a few pipeline tokens), so every other identity keeps its 17 in-object fields.
    identity.actsFor = people;
    actsForBytes = ACTS_FOR_PROPERTY_BYTES + arrayBytes(people.length) + people.reduce((n, p) => n + stringBytes(p), 0);
  }
  let usernameBytes = 0;
  if (username !== undefined) {
    // Added only with a prefix, like actsFor; the string itself is counted by the intern table.
    identity.username = username;
    usernameBytes = ACTS_FOR_PROPERTY_BYTES;
  }
  let bindingBytes = 0;
  if (binding !== undefined) {
    // Added only here, like actsFor: an unbound identity keeps its 17 in-object fields.
    identity.binding = binding;
    bindingBytes = ACTS_FOR_PROPERTY_BYTES + 24 + 2 * 8 + stringBytes(binding.thumbprint);
  }
  // What the intern tables made for this identity (its subject, its own header pairs and list,
  // a list or string no earlier identity had) is what it alone keeps alive; what it shares with
  // earlier identities was charged to them.
  Object.defineProperty(identity, 'heldBytes', { enumerable: false, value: IDENTITY_OBJECT_BYTES + actsForBytes + usernameBytes + bindingBytes + stringBytes(session) + (identity.historyOf === undefined ? 0 : HISTORY_OF_BYTES) + (madeBytes() - made) });
  return Object.freeze(identity);
}

/**
 * The old identity a token of a migrated issuer carries its history over from, or none where its
 * claim is missing (someone the migration did not copy keeps a history of their own). For an
 * issuer whose subjects name one account in any case (`issuers[].subject_case: insensitive`), a
 * subject with capitals has the history of its lower-case spelling, so `Alice@corp` one day and
 * `alice@corp` the next are one person to the risk engine; a lower-case subject needs nothing.
 */
function historyOf(iss: IssuerConfig, payload: JWTPayload, subject: string): Identity['historyOf'] {
  const h = iss.history_of;
  if (h === undefined) {
    if (iss.subject_case !== 'insensitive') return undefined;
    const folded = foldedSubject(subject);
    return folded === subject ? undefined : { issuer: iss.issuer, subject: internString(folded) };
  }
  const old = payload[h.claim];
  return typeof old === 'string' && old !== '' ? { issuer: h.issuer, subject: internString(old) } : undefined;
}

/**
 * An estimate of the heap one cached identity holds on its own, for stepgate_token_cache_bytes
 * (test/unit/token-cache-bytes.test.ts ties it to the measured heap): the object and its session
 * string, and the values it was the first to need (buildIdentity). An identity made elsewhere (a
 * test's literal) is charged as if its subject, header list and every pair past level and issuer
 * were its own.
 */
export function identityBytes(id: Identity): number {
  if (id.heldBytes !== undefined) return id.heldBytes;
  const own = Math.max(0, id.upstreamHeaders.length - 2);
  return IDENTITY_OBJECT_BYTES + stringBytes(id.session) + stringBytes(id.subject) + arrayBytes(id.upstreamHeaders.length) + own * arrayBytes(2);
}

/** Map, properties, elements and 17 in-object fields (heldBytes among them), plus the HeapNumber of exp in ms. */
const IDENTITY_OBJECT_BYTES = 24 + 17 * 8 + 16;
/** historyOf's own object (issuers[].history_of): map, properties, elements and its two fields. */
const HISTORY_OF_BYTES = 24 + 2 * 8;

/** The property array an 18th property adds to an identity (V8 allocates it in steps of a few slots). */
const ACTS_FOR_PROPERTY_BYTES = 16 + 3 * 8;

const NO_STRINGS: readonly string[] = Object.freeze([]);

/**
 * The groups of a token that has groups it does not list, shared by every such identity. A reader
 * that grants or lowers (admin and approver groups, risk.learn.below_min_level, the headers) reads it
 * as no group; one that refuses or tightens reads it as a possible member of any group (access
 * windows, incident scopes; a policy rule's groups: the stricter of member and not member,
 * policy/policy.ts), since the account may be in the group.
 */
export const GROUPS_NOT_LISTED: readonly string[] = Object.freeze([]);

/**
 * A group name as matched in any case (`Contractors` is `contractors`): Entra's object IDs are GUIDs
 * in either case, and directories keep the case an admin typed. Only a match that tightens is read
 * this way (policy rules, incident scopes, access windows); a grant or a lowered requirement reads
 * the name exactly.
 */
export function foldedGroup(name: string): string {
  return name.toLowerCase();
}

/**
 * A subject as matched in any case (`Alice@Corp.example` is `alice@corp.example`): IdPs and the
 * directories behind them keep the case a user typed or an admin edited. As for groups, only what
 * tightens reads it this way (policy rules, incident scopes, revocations, access windows). V8
 * hands back the same string when nothing changes, so a lower-case subject costs no allocation.
 */
export function foldedSubject(subject: string): string {
  return subject.toLowerCase();
}

/** Folded lists by list: identities share their interned groups list, so each is folded once. */
const FOLDED = new WeakMap<readonly string[], readonly string[]>();

/** An identity's groups, each folded (foldedGroup); the same list when folding changes none. */
export function foldedGroups(groups: readonly string[]): readonly string[] {
  let out = FOLDED.get(groups);
  if (out === undefined) {
    const f = groups.map(foldedGroup);
    out = f.every((g, i) => g === groups[i]) ? groups : Object.freeze(f);
    FOLDED.set(groups, out);
  }
  return out;
}

/**
 * The token says the caller has groups but carries none that can be read: Entra ID's overage
 * (over 200 groups: no groups claim, `_claim_names` names it as a distributed claim, OpenID Connect
 * Core 5.6.2; `hasgroups: true` in the implicit flow), or a claim that is neither a string nor a
 * list of strings (objects, numbers). Or, with `issuers[].missing_groups: not_listed`
 * (`absentIsUnlisted`), no groups claim at all: a provider that sends groups only for a scope the
 * client may leave out (Dex's `groups`) says nothing by leaving it out.
 */
function groupsElsewhere(payload: JWTPayload, claim: string, raw: unknown, absentIsUnlisted: boolean): boolean {
  if (raw === undefined || raw === null) {
    const names = payload._claim_names;
    return absentIsUnlisted || payload.hasgroups === true || (typeof names === 'object' && names !== null && Object.hasOwn(names, claim));
  }
  return typeof raw !== 'string' && !(Array.isArray(raw) && raw.length === 0);
}

/** The names with the issuer's prefix in front (none: the list itself). */
function prefixed(names: readonly string[], prefix: string | undefined): readonly string[] {
  return prefix === undefined || prefix === '' || names.length === 0 ? names : Object.freeze(names.map((n) => prefix + n));
}

function stringList(v: unknown): readonly string[] {
  if (typeof v === 'string') return Object.freeze([v]);
  if (!Array.isArray(v)) return Object.freeze([]);
  return Object.freeze(v.filter((x): x is string => typeof x === 'string'));
}

/**
 * A list claim as one header: its strings joined with ','. Upstreams split it there again (Grafana's
 * auth-proxy groups, the oauth2-proxy convention), so an element that itself holds a ',' would arrive
 * as two: a group someone named `qa,grafana-admins` in a self-service directory would read as
 * membership of grafana-admins. Grafana also reads a value that starts with '[' as a JSON list, which
 * two elements `["grafana-admins"` and `"x"]` would make. Such elements cannot be sent faithfully and
 * are left out.
 */
function listHeader(v: readonly unknown[]): string {
  return stringList(v)
    .filter((s) => !s.includes(',') && !s.trimStart().startsWith('[') && !disguised(s))
    .join(',');
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Whether a claim value may read as another person's name to whoever compares it after us: a
 * control character; an invisible format character (zero-width space and joiners, the
 * left-to-right and right-to-left marks and overrides, a byte order mark, a soft hyphen: Unicode's
 * Cf), which an upstream's collation or a cleaning step ignores (`ceo@example.com\u200b` is
 * `ceo@example.com` to MySQL's utf8mb4_unicode_ci); or a value NFKC normalisation changes
 * (fullwidth `ｃｅｏ@example.com`, a decomposed accent), which Python's and Java's identity
 * libraries apply (review50b). None is text an IdP issues for a real account name.
 */
function disguised(v: string): boolean {
  return CONTROL.test(v) || FORMAT.test(v) || v.normalize('NFKC') !== v;
}
const FORMAT = /\p{Cf}/u;

/**
 * Header values must not carry CR/LF or other controls: claims are text the IdP's users influence.
 * The subject never holds one (subjectProblem refuses it) and claim values with one are left out,
 * so this only cuts the length.
 */
function headerSafe(v: string): string {
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 4096);
}

/**
 * Why `value`, the `claim` of a token or ID token, cannot name the caller; undefined when it can.
 * Besides missing or empty: a control character (the subject header cannot carry it, and without
 * it `alice\u0000` would be `alice` to the upstream while the rules, the risk history and the
 * revocations see another person), an invisible format character or a value NFKC changes (a
 * look-alike of another name: disguised), or the issuer saying it did not verify the claim
 * (`email_verified: false` beside `subject_claim: email`: an address anyone may type in at the IdP
 * would be its owner here).
 */
export function subjectProblem(payload: JWTPayload, claim: string, value: unknown = payload[claim]): string | undefined {
  if (typeof value !== 'string' || value === '') return `claim ${claim} is missing or not a string`;
  if (CONTROL.test(value)) return `claim ${claim} holds a control character`;
  if (FORMAT.test(value)) return `claim ${claim} holds an invisible format character (zero-width or a direction mark)`;
  if (value.normalize('NFKC') !== value) return `claim ${claim} changes under NFKC normalisation (a look-alike of another name)`;
  if (payload[`${claim}_verified`] === false) return `claim ${claim} is not verified (${claim}_verified: false)`;
  return undefined;
}

/**
 * The claim a session's subject is read from: the issuer's `subject_claim` when the session holds
 * it as a non-empty string, else `sub` (the callback keeps both; web/stepup/flow.ts reads it so too).
 */
export function sessionSubjectClaim(payload: Record<string, unknown>, subjectClaim: string): string {
  const v = payload[subjectClaim];
  return typeof v === 'string' && v !== '' ? subjectClaim : 'sub';
}
