import { clientText } from '../../core/redact.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import { csrNames, csrUris, literalSubjectNames } from './csr-names.js';
import { entries, type HostAt } from './host-fields.js';
import type { RuleContext } from './context.js';

/**
 * workload_identity_claim: a cert-manager Certificate or CertificateRequest for the workload
 * identity of another namespace. Where a mesh's workload certificates chain to a CA cert-manager
 * signs with (istio-csr, a CA ClusterIssuer as Istio's plug-in CA, SPIRE's cert-manager upstream
 * authority, Linkerd's trust anchor), the issued key is that workload to every peer that trusts the
 * root: mTLS, and every authorization policy that names its principal. The identity says its
 * namespace: Istio's and SPIRE's Kubernetes IDs are `spiffe://<trust domain>/ns/<ns>/sa/<sa>`
 * (SPIRE's templates may add segments around the pair), Linkerd's a DNS name
 * `<sa>.<ns>.serviceaccount.identity.<control plane namespace>.<trust domain>`. A workload asks
 * for its own namespace's identity (csi-driver-spiffe creates the request in the pod's namespace),
 * so an identity of another namespace, or a SPIFFE ID whose namespace cannot be read, is a claim.
 */
export function checkWorkloadIdentity(doc: Json, key: string, docPath: string, ctx: RuleContext): void {
  const read = IDENTITY_KINDS.get(key);
  if (read === undefined) return;
  if (doc.spec === UNKNOWN_VALUE) {
    ctx.out.push({ code: 'workload_identity_claim', detail: `the patch sets a ${read.kind}'s spec to a value it does not show`, path: `${docPath}spec` });
    return;
  }
  if (!isObject(doc.spec)) return;
  for (const { value, path } of read.uris(doc.spec)) {
    if (value === UNKNOWN_VALUE) {
      ctx.out.push({ code: 'workload_identity_claim', detail: read.unknown, path: `${docPath}${path}` });
      continue;
    }
    if (typeof value !== 'string') continue;
    const claimed = spiffeNamespace(value);
    if (claimed === NOT_SPIFFE || claimed === ctx.namespace) continue;
    push(ctx, read.kind, value, claimed, `${docPath}${path}`);
  }
  for (const { value, path } of read.names(doc.spec)) {
    if (typeof value !== 'string') continue;
    const claimed = linkerdNamespace(value);
    if (claimed === undefined || claimed === ctx.namespace) continue;
    push(ctx, read.kind, value, claimed, `${docPath}${path}`);
  }
}

function push(ctx: RuleContext, kind: string, identity: string, claimed: string | typeof UNREAD, path: string): void {
  // From the body: no control characters into logs and answers, bounded.
  const shown = clientText(identity, 160) ?? '';
  const own = clientText(ctx.namespace, 63) ?? '';
  const whose = claimed === UNREAD ? 'whose namespace cannot be read' : `of namespace ${clientText(claimed, 63) ?? ''}`;
  ctx.out.push({
    code: 'workload_identity_claim',
    detail: `${kind} for workload identity ${shown}, ${whose}, in namespace ${own}: its key is that workload to every peer that trusts the issuer (mTLS, authorization policies that name it)`,
    path,
  });
}

const NOT_SPIFFE = Symbol('not a SPIFFE ID');
const UNREAD = Symbol('namespace not readable');

/**
 * The namespace a SPIFFE ID names: the segment after `ns` in its path. NOT_SPIFFE for a URI of
 * another scheme (a mesh takes only `spiffe://` as a workload's identity). UNREAD where the ID
 * names none, or names it in a way the meshes could read apart: characters the SPIFFE ID format
 * does not allow in a path (percent-escapes, which Istio compares undecoded and Go's URL parser
 * decodes), a query or fragment, empty segments, or two `ns` segments that disagree.
 */
export function spiffeNamespace(uri: string): string | typeof NOT_SPIFFE | typeof UNREAD {
  const s = uri.trim();
  if (!/^spiffe:/i.test(s)) return NOT_SPIFFE;
  const m = /^spiffe:\/\/[^/?#]+\/([^?#]*)$/i.exec(s);
  if (m === null || !/^[A-Za-z0-9._\-/]+$/.test(m[1]!)) return UNREAD;
  const segments = m[1]!.split('/');
  if (segments.includes('')) return UNREAD;
  let ns: string | undefined;
  for (let i = 0; i + 1 < segments.length; i++) {
    if (segments[i]!.toLowerCase() !== 'ns') continue;
    const v = segments[i + 1]!;
    if (ns !== undefined && ns !== v) return UNREAD;
    ns = v;
  }
  return ns ?? UNREAD;
}

/** The namespace of a Linkerd identity (`<sa>.<ns>.serviceaccount.identity.…`, any case, a wildcard's too); undefined for another name. */
export function linkerdNamespace(name: string): string | undefined {
  const lower = name.toLowerCase();
  const at = lower.indexOf('.serviceaccount.identity.');
  if (at <= 0) return undefined;
  const before = lower.slice(0, at);
  return before.slice(before.lastIndexOf('.') + 1);
}

interface IdentityKind {
  readonly kind: string;
  /** The URI names, where the spec keeps them. */
  readonly uris: (spec: Json) => HostAt[];
  /** Why URI names read as UNKNOWN_VALUE can be any workload's. */
  readonly unknown: string;
  /** The DNS names and common names, read for Linkerd's identities. */
  readonly names: (spec: Json) => HostAt[];
}

const IDENTITY_KINDS: ReadonlyMap<string, IdentityKind> = new Map([
  [
    'cert-manager.io/certificates',
    {
      kind: 'Certificate',
      uris: (spec: Json) => entries(spec.uris, 'spec.uris'),
      unknown: "the patch sets a Certificate's URI names to values it does not show: any workload's identity",
      names: (spec: Json) => [
        ...entries(spec.dnsNames, 'spec.dnsNames'),
        { value: spec.commonName, path: 'spec.commonName' },
        ...literalSubjectNames(spec.literalSubject).map((value) => ({ value, path: 'spec.literalSubject' })),
      ],
    },
  ],
  [
    'cert-manager.io/certificaterequests',
    {
      kind: 'CertificateRequest',
      uris: (spec: Json) => csrUris(spec.request).map((value) => ({ value, path: 'spec.request' })),
      unknown: "a CertificateRequest whose request cannot be read as cert-manager reads it: its URI names can be any workload's identity",
      names: (spec: Json) => csrNames(spec.request).map((value) => ({ value, path: 'spec.request' })),
    },
  ],
]);

export const IDENTITY_KEYS: ReadonlySet<string> = new Set(IDENTITY_KINDS.keys());
