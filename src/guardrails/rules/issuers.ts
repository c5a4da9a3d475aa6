import { Buffer } from 'node:buffer';
import { X509Certificate } from 'node:crypto';
import { clientText } from '../../core/redact.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { joinPath } from './walk.js';

/**
 * issuer_endpoint_not_allowed: a certificate issuer pointed at an authority the site has not listed
 * in `guardrails.certificate_authorities`. An issuer is a trust anchor: every Certificate that
 * names it (the ingress's, the mesh's, the webhooks') is signed by whatever server it names next,
 * and an ACME server of the attacker's issues anything it is asked for, with its key in their
 * hands. Re-pointing it is one patch of a cluster add-on object, which the example asks a hardware
 * key within 15 minutes for (cluster-add-on-objects); the admin's own change-window sign-in meets
 * that, for malware on the same bastion too (day 23). Which servers are the site's is known in
 * advance and rarely changes, and GitOps re-applies the same issuer every sync: a list, as
 * allowed_registries is for images, keeps them quiet and holds at any hour of any sign-in.
 *
 * Read in cert-manager's Issuer and ClusterIssuer (`cert-manager.io`): `spec.acme.server` (and
 * `skipTLSVerify: true`, which lets anyone on the path answer for a listed server),
 * `spec.vault.server`, `spec.venafi.tpp.url`, `spec.venafi.cloud.url` by their host; `spec.ca.secretName`
 * as `secret:NAME`; and smallstep's StepIssuer and StepClusterIssuer (`certmanager.step.sm`)
 * `spec.url`; AWS Private CA's and Google CAS's issuers by the CA they name (checkCloudIssuer).
 * A value the body does not show (a JSON patch's copy) is unknown, and unknown is not
 * on the list. Off (nothing read) without a list.
 */

/** cert-manager's external issuers that sign at a cloud CA named by its ID, not a URL (review50b). */
const AWS_PCA = new Set(['awspca.cert-manager.io/awspcaissuers', 'awspca.cert-manager.io/awspcaclusterissuers']);
const GOOGLE_CAS = new Set(['cas-issuer.jetstack.io/googlecasissuers', 'cas-issuer.jetstack.io/googlecasclusterissuers']);
export const ISSUER_KEYS: ReadonlySet<string> = new Set(['cert-manager.io/issuers', 'cert-manager.io/clusterissuers', 'certmanager.step.sm/stepissuers', 'certmanager.step.sm/stepclusterissuers', ...AWS_PCA, ...GOOGLE_CAS]);
/** The words a body must hold for this rule to parse it (inspect.ts mayName). */
export const ISSUER_NAMES = ['server', 'url', 'secretName', 'skipTLSVerify', 'caBundle', 'arn', 'project', 'location', 'caPoolId', 'certificateAuthorityId'];

/**
 * Where an issuer keeps the trust anchor it checks its server against (cert-manager's ACMEIssuer,
 * VaultIssuer and VenafiTPP `caBundle`, base64 PEM; VaultIssuer's and VenafiTPP's
 * `caBundleSecretRef`): a bundle of another CA lets whoever holds its key answer for a listed
 * server, as skipTLSVerify lets anyone (issue #12, session 51). [object path under spec, field, how].
 */
const TRUST_FIELDS: readonly (readonly [readonly string[], string, 'bundle' | 'secret'])[] = [
  [['acme'], 'caBundle', 'bundle'],
  [['vault'], 'caBundle', 'bundle'],
  [['vault'], 'caBundleSecretRef', 'secret'],
  [['venafi', 'tpp'], 'caBundle', 'bundle'],
  [['venafi', 'tpp'], 'caBundleSecretRef', 'secret'],
];

/** [object path under spec, field, how the value is read]. */
const FIELDS: readonly (readonly [readonly string[], string, 'url' | 'secret'])[] = [
  [['acme'], 'server', 'url'],
  [['vault'], 'server', 'url'],
  [['venafi', 'tpp'], 'url', 'url'],
  [['venafi', 'cloud'], 'url', 'url'],
  [['ca'], 'secretName', 'secret'],
  [[], 'url', 'url'],
];

export function checkIssuer(doc: Json, prefix: string, key: string, ctx: RuleContext): void {
  const allowed = ctx.settings.authorityAllowed;
  const spec = doc.spec;
  if (allowed === undefined || !isObject(spec)) return;
  const at = joinPath(prefix.endsWith('.') ? prefix.slice(0, -1) : prefix, 'spec');
  if (AWS_PCA.has(key) || GOOGLE_CAS.has(key)) {
    checkCloudIssuer(spec, at, key, allowed, ctx);
    return;
  }
  const kind = key.endsWith('clusterissuers') ? 'ClusterIssuer' : key.startsWith('certmanager.step.sm') ? 'StepIssuer' : 'Issuer';
  for (const [parents, field, how] of FIELDS) {
    // spec.url is step-issuer's; cert-manager's own issuers have none at the top.
    if (parents.length === 0 && kind !== 'StepIssuer') continue;
    let node: unknown = spec;
    for (const p of parents) node = isObject(node) ? node[p] : undefined;
    if (!isObject(node) || !(field in node)) continue;
    const value = node[field];
    if (value === null || value === undefined) continue;
    const path = [at, ...parents, field].join('.');
    const authority = typeof value !== 'string' || value === UNKNOWN_VALUE ? undefined : how === 'secret' ? `secret:${value}` : hostOf(value);
    if (authority !== undefined && allowed(authority)) continue;
    const shown = authority === undefined ? 'an authority the request does not show' : how === 'secret' ? `Secret ${clientText(String(value), 253)}` : clientText(authority, 253);
    ctx.out.push({ code: 'issuer_endpoint_not_allowed', detail: `${kind} ${[...parents, field].join('.')} names ${shown}, not in guardrails.certificate_authorities: every certificate it issues is signed there`, path });
  }
  for (const [parents, field, how] of TRUST_FIELDS) {
    let node: unknown = spec;
    for (const p of parents) node = isObject(node) ? node[p] : undefined;
    if (!isObject(node) || !(field in node)) continue;
    const value = node[field];
    // Removed: the system's roots, which checked the listed server's name before any bundle.
    if (value === null || value === undefined || value === '') continue;
    const path = [at, ...parents, field].join('.');
    const anchors = how === 'secret' ? secretAnchor(value) : bundleAnchors(value);
    const outside = anchors === undefined ? undefined : anchors.find((a) => !allowed(a));
    if (anchors !== undefined && outside === undefined) continue;
    const shown = anchors === undefined ? 'a trust anchor the request does not show' : outside!.startsWith('secret:') ? `Secret ${clientText(outside!.slice('secret:'.length), 253)}` : `a certificate of fingerprint ${outside!}`;
    ctx.out.push({ code: 'issuer_endpoint_not_allowed', detail: `${kind} ${[...parents, field].join('.')} trusts ${shown}, not in guardrails.certificate_authorities: whoever holds its key answers for the issuer's server`, path });
  }
  const acme = spec.acme;
  if (isObject(acme) && (acme.skipTLSVerify === true || acme.skipTLSVerify === UNKNOWN_VALUE)) {
    ctx.out.push({ code: 'issuer_endpoint_not_allowed', detail: `${kind} acme.skipTLSVerify is true: any host on the path answers for the ACME server, listed or not`, path: `${at}.acme.skipTLSVerify` });
  }
}

/**
 * AWS Private CA's issuer (`spec.arn`, the CA that signs) as `arn:…`, Google CAS's
 * (`spec.project`, `location`, `caPoolId`) as `gcp-cas:PROJECT/LOCATION/POOL`: either names a CA
 * in whichever cloud account it says, the attacker's too. A patch that changes part of the pool's
 * name without the rest does not show which pool it names (unknown, not on the list).
 */
function checkCloudIssuer(spec: Json, at: string, key: string, allowed: (authority: string) => boolean, ctx: RuleContext): void {
  const aws = AWS_PCA.has(key);
  const fields = aws ? ['arn'] : ['project', 'location', 'caPoolId', 'certificateAuthorityId'];
  if (!fields.some((f) => f in spec && spec[f] !== null)) return;
  const text = (v: unknown) => (typeof v === 'string' && v !== UNKNOWN_VALUE && v.trim() !== '' ? v.trim() : undefined);
  let authority: string | undefined;
  if (aws) {
    const arn = text(spec.arn);
    authority = arn?.startsWith('arn:') === true ? arn : undefined;
  } else {
    const [project, location, pool] = [text(spec.project), text(spec.location), text(spec.caPoolId)];
    authority = project !== undefined && location !== undefined && pool !== undefined ? `gcp-cas:${project}/${location}/${pool}` : undefined;
  }
  if (authority !== undefined && allowed(authority)) return;
  const kind = aws ? 'AWSPCAIssuer' : 'GoogleCASIssuer';
  const shown = authority === undefined ? 'a certificate authority the request does not show' : clientText(authority, 253);
  ctx.out.push({ code: 'issuer_endpoint_not_allowed', detail: `${kind} names ${shown}, not in guardrails.certificate_authorities: every certificate it issues is signed there`, path: `${at}.${aws ? 'arn' : 'caPoolId'}` });
}

/** A URL's host, lower-case, without port or brackets; undefined when it has none. */
function hostOf(url: string): string | undefined {
  // A backslash is a slash to the WHATWG parser here and not to Go's, which cert-manager uses, and
  // the WHATWG parser drops tabs and newlines Go refuses: `https://listed\@evil/` is the listed
  // host here and another (or none) there (review50b).
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(url.trim())) return undefined;
  try {
    const host = new URL(url.trim()).hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

/** A caBundleSecretRef (a SecretKeySelector) as `secret:NAME`; undefined when the body does not name the Secret. */
function secretAnchor(ref: unknown): string[] | undefined {
  if (!isObject(ref) || typeof ref.name !== 'string' || ref.name === UNKNOWN_VALUE || ref.name.trim() === '') return undefined;
  return [`secret:${ref.name.trim()}`];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * A caBundle (a []byte: standard base64 in JSON, as Go's encoding/json reads it) as the SHA-256
 * fingerprints of its certificates, `sha256:<64 hex>`; undefined when it is no base64, holds no
 * certificate, or any PEM block in it is none (the controller may read what stepgate does not).
 */
function bundleAnchors(value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value === UNKNOWN_VALUE) return undefined;
  const b64 = value.trim();
  if (b64 === '' || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  const text = Buffer.from(b64, 'base64').toString('latin1');
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  // Anything else that claims to be a PEM block (a key, a second encoding) is not read here.
  if (blocks.length === 0 || (text.match(/-----BEGIN /g) ?? []).length !== blocks.length) return undefined;
  const out: string[] = [];
  for (const pem of blocks) {
    try {
      out.push(`sha256:${new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase()}`);
    } catch {
      return undefined;
    }
  }
  return out;
}
