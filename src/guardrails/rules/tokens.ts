import type { KubeRequestInfo } from '../../request/kube.js';
import { UNKNOWN_VALUE } from '../parse.js';
import type { GuardrailSettings } from '../settings.js';
import { isObject, type Json, type Violation } from '../types.js';

/**
 * service_account_token_secret: a Secret the token controller fills with a token for any account,
 * which is a TokenRequest without an expiry.
 *
 * service_account_token_privileged: a token for a service account that
 * `guardrails.impersonation_privileged_users` / `_groups` make as powerful as cluster-admin. Whoever
 * holds the token is that account, so minting one is impersonating it, for as long as the token
 * lives: a Secret of type `kubernetes.io/service-account-token` naming the account never expires
 * (the token controller fills it in), and a TokenRequest lasts what the client asks, up to the API
 * server's --service-account-max-token-expiration.
 */

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';

/** `create serviceaccounts/<name>/token`: the URL names the account. */
export function checkTokenRequest(kube: KubeRequestInfo, settings: GuardrailSettings): Violation[] {
  if (kube.apiGroup !== '' || kube.resource !== 'serviceaccounts' || kube.subresource !== 'token') return [];
  if (kube.namespace === '' || !settings.privilegedServiceAccount(kube.namespace, kube.name)) return [];
  return [{ code: 'service_account_token_privileged', detail: `a token for service account ${clip(kube.namespace)}/${clip(kube.name)}, which is privileged` }];
}

/**
 * A Secret that the token controller fills with a token for the account its
 * `kubernetes.io/service-account.name` annotation names, in the Secret's own namespace. A whole
 * object (create, update) must have the token type; a patch that does not show the type may be
 * writing to an existing token Secret (pointing it at another account, its old token removed, gets
 * it a new one), so there the annotation alone decides.
 */
export function checkTokenSecret(doc: Json, docPath: string, namespace: string, partial: boolean, settings: GuardrailSettings): Violation[] {
  if (namespace === '') return [];
  if (doc.type !== SA_TOKEN_TYPE && !(partial && (doc.type === undefined || doc.type === UNKNOWN_VALUE))) return [];
  const meta = doc.metadata;
  const annotations = isObject(meta) ? meta.annotations : undefined;
  const path = `${docPath}metadata.annotations`;
  if (annotations === UNKNOWN_VALUE && settings.privilegedServiceAccountNamespace(namespace)) {
    return [{ code: 'service_account_token_privileged', detail: `the patch sets a Secret's annotations to values it does not show, in namespace ${clip(namespace)} where service accounts are privileged`, path }];
  }
  if (!isObject(annotations)) return [];
  const name = annotations[SA_NAME_ANNOTATION];
  const at = `${path}[${JSON.stringify(SA_NAME_ANNOTATION)}]`;
  if (name === UNKNOWN_VALUE && settings.privilegedServiceAccountNamespace(namespace)) {
    return [{ code: 'service_account_token_privileged', detail: `the patch copies the service account name from elsewhere, in namespace ${clip(namespace)} where service accounts are privileged`, path: at }];
  }
  if (typeof name !== 'string' || name === '') return [];
  if (name === UNKNOWN_VALUE) {
    return [{ code: 'service_account_token_secret', detail: `the patch copies the service account name from elsewhere: a token for whichever account it names, that does not expire`, path: at }];
  }
  if (!settings.privilegedServiceAccount(namespace, name)) {
    // Any account's: the legacy way to mint what a TokenRequest mints, except that it never
    // expires and no rule can match it (rules see the resource, Secrets, not the type).
    return [{ code: 'service_account_token_secret', detail: `a ${SA_TOKEN_TYPE} Secret for service account ${clip(namespace)}/${clip(name)} (a token that does not expire)`, path: at }];
  }
  return [{ code: 'service_account_token_privileged', detail: `a ${SA_TOKEN_TYPE} Secret for service account ${clip(namespace)}/${clip(name)}, which is privileged (a token that does not expire)`, path: at }];
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}
