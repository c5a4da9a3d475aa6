import { clientText } from '../../core/redact.js';
import type { Json } from '../types.js';
import type { RuleContext } from './context.js';
import { walkObjects } from './walk.js';

export const RESOURCE_CLAIM_KEY = 'resource.k8s.io/resourceclaims';
export const RESOURCE_CLAIM_TEMPLATE_KEY = 'resource.k8s.io/resourceclaimtemplates';
export const DEVICE_CLAIM_KEYS: ReadonlySet<string> = new Set([RESOURCE_CLAIM_KEY, RESOURCE_CLAIM_TEMPLATE_KEY]);
const DEVICE_CLAIM_KINDS: ReadonlySet<string> = new Set(['ResourceClaim', 'ResourceClaimTemplate']);

export function isDeviceClaim(urlKey: string, doc: Json): boolean {
  return DEVICE_CLAIM_KEYS.has(urlKey) || (typeof doc.kind === 'string' && DEVICE_CLAIM_KINDS.has(doc.kind));
}

/**
 * device_admin_access: a ResourceClaim or ResourceClaimTemplate asking for a device with
 * `adminAccess: true` (DRA, KEP-5018; feature gate DRAAdminAccess, beta and on by default from
 * 1.34). The scheduler then allocates the device even while other pods hold it, and the driver may
 * hand the container more than an ordinary claim gets (monitoring, resetting, reading another
 * tenant's GPU): access to devices in use by any namespace's pods. kube-apiserver admits the field
 * only in a namespace labelled `resource.kubernetes.io/admin-access: "true"` (1.33:
 * `resource.k8s.io/admin-access`), so the label is the same guardrail (rules/namespaces.ts).
 *
 * The field moved between versions (v1beta1's `requests[].adminAccess`, v1's
 * `requests[].exactly.adminAccess`, a `firstAvailable` subrequest's in later ones), so any
 * `adminAccess: true` in the body counts, wherever it sits. A JSON patch that copies a value there
 * is an unreadable body before this runs (parse.ts). The allocation in `status` is the
 * scheduler's to write; `resourceclaims/status` is not inspected (the example's cluster-control
 * asks for it).
 */
export function checkDeviceClaim(doc: Json, docPath: string, ctx: RuleContext): void {
  walkObjects(doc, docPath, (node, path) => {
    if (node.adminAccess === true) {
      ctx.out.push({
        code: 'device_admin_access',
        detail: `${(typeof doc.kind === 'string' ? clientText(doc.kind, 40) : undefined) ?? 'device claim'} asks for admin access to a device: it is allocated even while other pods use it, whichever namespace they are in`,
        path: path === '' ? 'adminAccess' : `${path}.adminAccess`,
      });
    }
  });
}

/** The namespace labels with which kube-apiserver admits `adminAccess` in the namespace's claims. */
export const ADMIN_ACCESS_LABELS: readonly string[] = ['resource.kubernetes.io/admin-access', 'resource.k8s.io/admin-access'];
