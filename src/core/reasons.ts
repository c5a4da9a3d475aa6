/**
 * The closed set of reason codes. They are the stable vocabulary shared by responses, logs,
 * metrics and tests: renaming one is a breaking change for every dashboard and alert built on it.
 * docs/reason-codes.md documents each one; a test checks that it lists them all.
 */
export const REASONS = {
  allowed: { kind: 'allow', message: 'The request has the assurance its policy requires.' },
  token_missing: { kind: 'unauthenticated', message: 'No bearer token or session was presented.' },
  token_malformed: { kind: 'unauthenticated', message: 'The bearer token is not a well-formed JWT.' },
  token_invalid: { kind: 'unauthenticated', message: 'The bearer token failed verification.' },
  token_expired: { kind: 'unauthenticated', message: 'The bearer token has expired.' },
  token_not_yet_valid: { kind: 'unauthenticated', message: 'The bearer token is not valid yet.' },
  audience_mismatch: { kind: 'unauthenticated', message: 'The bearer token was not issued for this audience.' },
  client_not_allowed: { kind: 'unauthenticated', message: 'The bearer token was issued to a client that may not use this service.' },
  issuer_unknown: { kind: 'unauthenticated', message: 'The bearer token comes from an issuer that is not trusted.' },
  algorithm_forbidden: { kind: 'unauthenticated', message: 'The bearer token is signed with an algorithm that is not allowed for its issuer.' },
  key_unknown: { kind: 'unauthenticated', message: 'The bearer token is signed with a key the issuer does not publish.' },
  // Also a subject that is there but not usable: "has no subject" sent people looking for a missing
  // claim when their email was unverified at the identity provider (session 50's new cases).
  subject_missing: { kind: 'unauthenticated', message: 'The bearer token names no subject stepgate accepts: its subject claim is missing, holds a control character, or is marked unverified by the identity provider (email_verified: false).' },
  session_invalid: { kind: 'unauthenticated', message: 'The step-up session cookie is not valid.' },
  session_expired: { kind: 'unauthenticated', message: 'The step-up session has expired.' },
  jwks_unavailable: { kind: 'unavailable', message: 'The issuer keys needed to verify the token could not be fetched.' },
  acr_insufficient: { kind: 'step_up', message: 'This request needs a stronger authentication than the one presented.' },
  auth_too_old: { kind: 'step_up', message: 'This request needs a more recent authentication.' },
  auth_time_missing: { kind: 'step_up', message: 'This request needs a recent authentication, and the token does not say when it happened.' },
  policy_deny: { kind: 'forbidden', message: 'The policy denies this request.' },
  risk_deny: { kind: 'forbidden', message: 'This request is refused because its risk is too high; try again from a known device and network, or ask an administrator.' },
  approval_required: { kind: 'forbidden', message: 'This automation request needs a step-up that automation cannot do: a human must approve this exact request. An approval is pending.' },
  approval_rejected: { kind: 'forbidden', message: 'A human rejected this exact automation request.' },
  state_unavailable: { kind: 'unavailable', message: 'The session state needed to assess this request is unavailable.' },
  request_invalid: { kind: 'bad_request', message: 'The authorization request is malformed.' },
  credential_ambiguous: { kind: 'bad_request', message: 'The request carries more than one credential, and they differ; send exactly one.' },
  header_too_large: { kind: 'too_large', message: 'A request header is larger than allowed.' },
  // incident (issue 15)
  credential_revoked: { kind: 'unauthenticated', message: 'Access of this credential was revoked; sign in again.' },
  // branch ops (issue 16): automation asked for a step-up with no approvals configured.
  automation_step_up: { kind: 'forbidden', message: 'This request needs a human step-up, which an automation identity cannot do, and no approval is configured for automation.' },
  // perf (issue 17): load shedding past server.max_inflight_checks.
  overloaded: { kind: 'unavailable', message: 'stepgate is answering as many requests as it may at once; retry shortly.' },
  // issue 12, day 28: the access proxy's signed assertion (access_proxy). A refusal, never a
  // step-up: signing in again does not change who is signed in to the proxy.
  proxy_assertion_missing: { kind: 'forbidden', message: 'The request came through the access proxy without its signed identity assertion.' },
  proxy_assertion_invalid: { kind: 'forbidden', message: "The access proxy's identity assertion failed verification." },
  proxy_assertion_expired: { kind: 'forbidden', message: "The access proxy's identity assertion has expired." },
  proxy_key_unknown: { kind: 'forbidden', message: "The access proxy's identity assertion is signed with a key the proxy does not publish." },
  proxy_jwks_unavailable: { kind: 'forbidden', message: "The access proxy's keys needed to verify its identity assertion could not be fetched." },
  proxy_user_mismatch: { kind: 'forbidden', message: 'The user signed in to the access proxy is not the user the bearer token names; present your own token.' },
  // issue 12 item 5 (session 45): sender-constrained tokens (RFC 9449 DPoP, RFC 8705 certificate-bound).
  // A token bound to a key or certificate counts only with the proof of it (identity/sender-binding.ts).
  dpop_proof_missing: { kind: 'unauthenticated', message: 'The token is bound to a DPoP key: send it as Authorization: DPoP with a DPoP proof.' },
  dpop_proof_invalid: { kind: 'unauthenticated', message: 'The DPoP proof is malformed, badly signed, or not made for this request.' },
  dpop_proof_replayed: { kind: 'unauthenticated', message: 'The DPoP proof was already used; make a new proof for each request.' },
  dpop_binding_mismatch: { kind: 'unauthenticated', message: 'The DPoP proof is not signed with the key the token is bound to, or the token is not bound to a DPoP key.' },
  // Session 47: RFC 9449 §8 server nonces (sender_constrained.dpop.nonce: required).
  dpop_nonce_required: { kind: 'unauthenticated', message: 'The DPoP proof must carry the nonce the DPoP-Nonce header gives; make a new proof with it.' },
  certificate_binding_missing: { kind: 'unauthenticated', message: 'The token is bound to a client certificate, and the request presented none.' },
  certificate_binding_mismatch: { kind: 'unauthenticated', message: 'The token is bound to another client certificate than the one presented.' },
  // issue 12 (session 47): a Kubernetes API request on a host kubernetes.hosts does not list
  // (kubernetes.unlisted_api_requests: refuse). Nothing the caller does changes it: the operator lists the host.
  kubernetes_host_unlisted: { kind: 'forbidden', message: 'This is a Kubernetes API request on a host stepgate is not told is a Kubernetes API server; it is refused until an administrator lists the host.' },
  // issue 12, day 42 (session 48): access_windows[]. A refusal, never a step-up: no sign-in the
  // account can make moves its end date; the people who granted it extend the window.
  access_window_closed: { kind: 'forbidden', message: "This account's access window is closed: it may not use this service now." },
  internal_error: { kind: 'error', message: 'The request could not be evaluated.' },
} as const satisfies Record<string, { kind: ReasonKind; message: string }>;

export type ReasonKind =
  | 'allow'
  | 'unauthenticated'
  | 'step_up'
  | 'forbidden'
  | 'bad_request'
  | 'too_large'
  | 'unavailable'
  | 'error';

export type ReasonCode = keyof typeof REASONS;

export const REASON_CODES = Object.keys(REASONS) as ReasonCode[];

export function reasonKind(code: ReasonCode): ReasonKind {
  return REASONS[code].kind;
}

export function reasonMessage(code: ReasonCode): string {
  return REASONS[code].message;
}
