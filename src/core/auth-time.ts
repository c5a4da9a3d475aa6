/**
 * How far an identity provider dates `iat` before it issues a token: Entra ID backdates `iat` and
 * `nbf` by five minutes for clock skew, so its fresh tokens carry an `auth_time` up to ~300 s after
 * `iat` (test/integration/attack-session42-open-rows.test.ts). No provider we know of dates it
 * further back; Keycloak, Okta, Google, Dex and Auth0 send `auth_time <= iat`.
 */
export const IAT_BACKDATE_S = 300;

/**
 * When a token's sign-in is taken to have happened: its `auth_time`, but never later than now nor
 * more than IAT_BACKDATE_S after the token's own `iat`. A provider signs a token after the sign-in
 * it reports (OIDC Core §2: auth_time is when the End-User authenticated, iat when the token was
 * issued), so an `auth_time` hours after `iat` is no sign-in any provider records: a broker or a
 * token-exchange mapping that copies a client-supplied or recomputed time into it. Taken as given,
 * a token issued nine hours ago with `auth_time` a minute ago passed an 8-hour max_age for its
 * whole life, and proved every network first seen after its issue (a context-bound step-up asks
 * for a sign-in after the first sighting). Capped, the sign-in is no later than the credential
 * that reports it allows; a future `auth_time` beyond the leeway is refused before this
 * (identity/verifier.ts futureTimestamp). Undefined when `auth_time` is not a number.
 */
export function boundedAuthTime(authTime: unknown, iat: unknown, nowS: number): number | undefined {
  if (typeof authTime !== 'number') return undefined;
  let t = authTime > nowS ? nowS : authTime;
  if (typeof iat === 'number' && t > iat + IAT_BACKDATE_S) t = iat + IAT_BACKDATE_S;
  return t;
}
