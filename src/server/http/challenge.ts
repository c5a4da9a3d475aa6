import { reasonMessage } from '../../core/reasons.js';
import { lastChallenge } from '../../pipeline/challenge.js';
import { bearerToken } from '../../pipeline/evaluate.js';
import { bearerEndpointRefusal } from '../../identity/sender-binding.js';
import type { Runtime } from '../../pipeline/runtime.js';
import { identityRefusal, type WindowClosed } from '../../pipeline/standing.js';
import type { FlowResponse } from '../../web/stepup/flow.js';

export const CHALLENGE_PATH = '/.stepgate/v1/challenge';

const JSON_TYPE = ['content-type', 'application/json'] as const;
const NO_STORE = ['cache-control', 'no-store'] as const;

/**
 * `GET /.stepgate/v1/challenge`: the last step-up challenge stepgate issued for the presented
 * Bearer token, for the kubectl credential plugin. The token must verify like any request's, and
 * the lookup is by a hash of that exact token, so a caller learns only about its own credential.
 * A token that no longer verifies (expired, say) gets the same 401 as anywhere else.
 */
export async function challengeEndpoint(rt: Runtime, method: string, authorization: string | undefined): Promise<FlowResponse> {
  if (method !== 'GET') {
    return { status: 405, headers: [JSON_TYPE, NO_STORE, ['allow', 'GET']], body: JSON.stringify({ reason: 'method_not_allowed' }), audit: undefined };
  }
  const token = bearerToken(authorization);
  if (typeof token !== 'string') return unauthenticated(rt, token.reason);
  const verified = await rt.verifier.verify(token);
  if (!verified.ok) return unauthenticated(rt, verified.reason);
  const bound = bearerEndpointRefusal(verified.identity);
  if (bound !== undefined) return unauthenticated(rt, bound);
  // A revoked credential is refused here as on the Check: its asks and challenges are the
  // victim's requests, and nothing it could learn from them is owed to whoever still holds it.
  // An identity outside its access window likewise: the plugin prints the window's sentence.
  const refused = identityRefusal(rt, verified.identity);
  if (refused !== undefined) {
    if (refused.reason === 'credential_revoked') return unauthenticated(rt, 'credential_revoked');
    if (refused.reason === 'access_window_closed') return windowClosed(refused);
    return unavailable();
  }
  try {
    const challenge = await lastChallenge(rt, token);
    return { status: 200, headers: [JSON_TYPE, NO_STORE], body: JSON.stringify({ challenge: challenge ?? null }), audit: undefined };
  } catch {
    return unavailable();
  }
}

function unavailable(): FlowResponse {
  return { status: 503, headers: [JSON_TYPE, NO_STORE], body: JSON.stringify({ reason: 'state_unavailable', message: reasonMessage('state_unavailable') }), audit: undefined };
}

/**
 * The 403 of every endpoint that takes a bearer token, for an identity outside its access window:
 * the Check's reason and the window's sentence (as the Check's body carries it), never a 401,
 * since no sign-in opens a closed window.
 */
export function windowClosed(shut: WindowClosed): FlowResponse {
  return { status: 403, headers: [JSON_TYPE, NO_STORE], body: JSON.stringify({ reason: shut.reason, message: shut.message }), audit: undefined };
}

/** The 401 of every endpoint that takes a bearer token: the Check's reason, and invalid_token unless there was none. */
export function unauthenticated(rt: Runtime, reason: Parameters<typeof reasonMessage>[0]): FlowResponse {
  const realm = `Bearer realm="${rt.config.stepup.realm}"`;
  const www = reason === 'token_missing' ? realm : `${realm}, error="invalid_token"`;
  return {
    status: 401,
    headers: [JSON_TYPE, NO_STORE, ['www-authenticate', www]],
    body: JSON.stringify({ reason, message: reasonMessage(reason) }),
    audit: undefined,
  };
}
