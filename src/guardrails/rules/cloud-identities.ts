import { clientText } from '../../core/redact.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { arrayOf, isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

export const SERVICE_ACCOUNT_KEY = '/serviceaccounts';

/**
 * cloud_workload_identity: a workload handed a cloud identity by hand. Managed Kubernetes lets a
 * ServiceAccount stand for a cloud identity: EKS's IAM roles for service accounts read the role
 * from the ServiceAccount's `eks.amazonaws.com/role-arn` annotation, Azure Workload Identity the
 * managed identity from `azure.workload.identity/client-id`, GKE Workload Identity the Google
 * service account from `iam.gke.io/gcp-service-account`. The cloud side trusts the cluster's
 * token issuer, and what it admits is the role's trust policy, which stepgate never sees: a
 * policy that admits any ServiceAccount of the cluster (`StringLike sub
 * system:serviceaccount:*`, a wildcard federated credential, a pool-wide IAM binding) is common,
 * and then the annotation alone gives a staging namespace's pods production's bucket. So the
 * annotation set on a ServiceAccount is a cloud grant, as an EKS PodIdentityAssociation or an
 * Azure FederatedIdentityCredential is. Removing one (null) grants nothing.
 */
const ANNOTATIONS: ReadonlyMap<string, string> = new Map([
  ['eks.amazonaws.com/role-arn', 'IAM role (EKS IAM roles for service accounts)'],
  ['azure.workload.identity/client-id', 'managed identity (Azure Workload Identity)'],
  ['iam.gke.io/gcp-service-account', 'Google service account (GKE Workload Identity)'],
]);

/**
 * The same identity without the annotation: the webhooks only add a projected service-account
 * token for the cloud's token exchange (and the SDK's variables naming the role), so a pod that
 * projects such a token itself can assume any role whose trust policy admits its ServiceAccount,
 * naming the role in its own environment or command. People never write these volumes; the
 * webhooks do, after admission, which stepgate does not see.
 */
function cloudAudience(audience: string): string | undefined {
  const a = audience.trim().toLowerCase();
  if (a === 'sts.amazonaws.com') return "AWS STS's (IAM roles for service accounts)";
  if (a === 'api://azureadtokenexchange') return "Microsoft Entra ID's token exchange (Azure Workload Identity)";
  if (a.endsWith('.svc.id.goog') || a.startsWith('//iam.googleapis.com/') || a.startsWith('https://iam.googleapis.com/')) return "Google's workload identity pool";
  return undefined;
}

/** A ServiceAccount whose write sets a cloud identity annotation. */
export function checkServiceAccount(doc: Json, docPath: string, ctx: RuleContext): void {
  const meta = doc.metadata;
  if (!isObject(meta)) return;
  const annotations = meta.annotations;
  if (annotations === UNKNOWN_VALUE) {
    ctx.out.push({ code: 'cloud_workload_identity', detail: "the patch sets the ServiceAccount's annotations to a value it does not show, which may name a cloud identity", path: `${docPath}metadata.annotations` });
    return;
  }
  if (!isObject(annotations)) return;
  for (const [key, what] of ANNOTATIONS) {
    const value = annotations[key];
    if (value === undefined || value === null || value === '') continue;
    const shown = typeof value === 'string' && value !== UNKNOWN_VALUE ? ` ${clientText(value, 160) ?? ''}` : ' (a value the patch does not show)';
    ctx.out.push({
      code: 'cloud_workload_identity',
      detail: `ServiceAccount annotation ${key} names the ${what}${shown}: every pod of this ServiceAccount gets its cloud credentials wherever its trust policy admits the ServiceAccount`,
      path: `${docPath}metadata.annotations.${key}`,
    });
  }
}

/** A pod volume that projects a service-account token for a cloud's token exchange. */
export function checkProjectedCloudToken(volume: Json, volumePath: string, ctx: RuleContext): void {
  const projected = volume.projected;
  if (!isObject(projected)) return;
  for (const [i, source] of arrayOf(projected.sources).entries()) {
    const token = isObject(source) ? source.serviceAccountToken : undefined;
    if (!isObject(token) || typeof token.audience !== 'string') continue;
    const whose = cloudAudience(token.audience);
    if (whose === undefined) continue;
    ctx.out.push({
      code: 'cloud_workload_identity',
      detail: `projected service-account token for ${whose} audience (${clientText(token.audience, 120) ?? ''}): the pod can assume any cloud identity whose trust policy admits its ServiceAccount, with no annotation to show which`,
      path: `${volumePath}.projected.sources[${i}].serviceAccountToken.audience`,
    });
  }
}
