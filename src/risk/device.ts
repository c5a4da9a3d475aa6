import { createHash } from 'node:crypto';
import { DEVICE_URI_PREFIX, parseDeviceUri } from '../core/device-uri.js';

/**
 * Which device a request comes from, strongest evidence first:
 * 1. the mTLS client certificate the gateway verified (`source.principal`, or
 *    `x-forwarded-client-cert` when the operator says a trusted proxy sets it),
 * 2. the signed device cookie stepgate gave the browser when it completed a step-up, with the
 *    kind of browser and operating system it is sent from (a cookie jar never changes either),
 * 3. a weak fingerprint of the user agent and its client hints.
 * Ids are hashes: a certificate subject or a user agent is not something to keep in clear.
 */
export type DeviceStrength = 'certificate' | 'cookie' | 'session' | 'foreign_certificate' | 'fingerprint' | 'none';

export interface Device {
  id: string;
  strength: DeviceStrength;
  /** `kubectl`, `chrome`, `curl`…; '' when there is no user agent. */
  uaFamily: string;
  /** The operating system the client says it runs on (`linux`, `mac`, `windows`…); '' when it says none. */
  platform: string;
}

export const NO_DEVICE: Device = Object.freeze({ id: '', strength: 'none', uaFamily: '', platform: '' });

/**
 * The device of a step-up session presented without a valid device cookie (and no certificate).
 * The callback that minted the session gave its browser a device cookie, or found a valid one
 * there, so such a session has left the browser it was made in, or its cookie was held back. The
 * user-agent fingerprint says nothing then (whoever copies the session can copy the user agent),
 * and no device at all would say even less: the device is the session itself, never proven,
 * judged like an unknown device cookie (`new_device` binds the requirement to a sign-in after its
 * first sighting). A new step-up makes a new session, and gives its browser a device cookie.
 */
export function sessionWithoutCookie(d: Device, session: string): Device {
  return Object.freeze({ id: `session:${digest(session)}`, strength: 'session', uaFamily: d.uaFamily, platform: d.platform });
}

export interface DeviceInputs {
  principal: string;
  xfcc: string | undefined;
  userAgent: string | undefined;
  secChUa: string | undefined;
  secChUaPlatform: string | undefined;
  /** The id in a device cookie whose signature was checked; undefined when there is none. */
  deviceCookie?: string | undefined;
  /** Whose credential the request carries: a stepgate device certificate counts for that subject only. */
  owner?: CertificateOwner | undefined;
}

export interface CertificateOwner {
  issuer: string;
  subject: string;
}

/**
 * Bounded memo of hashes: the same few certificates and browsers repeat all day. A device is a
 * function of its certificate or cookie (else nothing), the user agent and the platform client hint
 * (`sec-ch-ua` names the browser's brands, which nothing here reads), so it is remembered under
 * exactly those, one map level each: the header values arrive as new strings with every request,
 * and a composite key of them was a concatenation of up to ~250 characters to flatten and hash on
 * each browser Check. A key without the platform hint (as the certificate and cookie keys once
 * were) would answer a later request with the platform of whichever request came first.
 */
/** Longer than any real user agent (browsers send under 300 characters, client-go under 100). */
export const MAX_REMEMBERED_AGENT = 1024;

export class DeviceResolver {
  /**
   * The commonest case, a user agent alone (kubectl, client-go tools: no certificate, cookie or
   * client hints), by the user agent itself.
   */
  private readonly byAgent = new Map<string, Device>();
  /** Fingerprints with client hints: user agent → platform hint → device. */
  private readonly hinted = new Map<string, Map<string, Device>>();
  /** Certificate identity (or device cookie id) → user agent → platform hint → device. */
  private readonly certs = new Map<string, Map<string, Map<string, Device>>>();
  private readonly cookies = new Map<string, Map<string, Map<string, Device>>>();
  /** Devices remembered in all four. */
  private size = 0;

  constructor(private readonly trustXfcc: boolean) {}

  resolve(i: DeviceInputs): Device {
    return this.resolveFrom(i.principal, i.xfcc, i.userAgent, i.secChUa, i.secChUaPlatform, i.deviceCookie, i.owner);
  }

  /** resolve() without its argument object: the risk engine calls it on every Check. */
  resolveFrom(
    principal: string,
    xfcc: string | undefined,
    userAgent: string | undefined,
    secChUa: string | undefined,
    secChUaPlatform: string | undefined,
    deviceCookie: string | undefined,
    owner?: CertificateOwner,
  ): Device {
    const cert = principal !== '' ? principal : this.trustXfcc && xfcc ? xfccIdentity(xfcc) : '';
    const ua = userAgent ?? '';
    if (cert !== '' && foreignDeviceCertificate(cert, owner)) {
      // Another subject's stepgate device certificate (or one in stepgate's form that does not
      // parse): no evidence for this subject, and not the fingerprint either, which the holder
      // chose. A device of its own, never a certificate (certificate_missing judges it as a machine
      // without this subject's key), and as binding as an unknown certificate when new (a machine
      // this subject never proved, as another employee's MDM certificate is). Not remembered:
      // only a misuse sends one.
      return Object.freeze({ id: `foreign:${digest(cert)}`, strength: 'foreign_certificate', uaFamily: uaFamily(ua), platform: platformOf(ua, secChUaPlatform) });
    }
    const cookie = deviceCookie ?? '';
    const hint = secChUaPlatform ?? '';
    const agentOnly = cert === '' && cookie === '' && !secChUa && hint === '';
    if (agentOnly) {
      const hit = this.byAgent.get(ua);
      if (hit !== undefined) return hit;
    } else {
      const byUa = cert !== '' ? this.certs.get(cert) : cookie !== '' ? this.cookies.get(cookie) : this.hinted;
      const hit = byUa?.get(ua)?.get(hint);
      if (hit !== undefined) return hit;
    }
    let device: Device;
    const family = uaFamily(ua);
    const platform = platformOf(ua, secChUaPlatform);
    if (cert !== '') device = Object.freeze({ id: `cert:${digest(cert)}`, strength: 'certificate', uaFamily: family, platform });
    // The cookie names a browser's cookie jar, which never moves to another kind of browser or
    // another operating system: the same value from another family or platform was copied out of
    // it (an infostealer's haul replayed in the attacker's own browser), so it is another device,
    // never the one the owner's browser proved (redteam51).
    else if (cookie !== '') device = Object.freeze({ id: `cookie:${digest(`${cookie}\n${family}\n${platform}`)}`, strength: 'cookie', uaFamily: family, platform });
    else if (ua !== '') device = Object.freeze({ id: `fp:${digest(fingerprint(family, ua, secChUaPlatform))}`, strength: 'fingerprint', uaFamily: family, platform });
    else device = NO_DEVICE;
    // Not remembered: 4,096 distinct user agents of 16,000 characters (the default header bound)
    // kept 64 MiB here, 1 GiB at a 256 KiB bound. Resolving one again is linear and rare.
    if (ua.length > MAX_REMEMBERED_AGENT || hint.length > MAX_REMEMBERED_AGENT) return device;
    if (this.size >= 4096) {
      this.byAgent.clear();
      this.hinted.clear();
      this.certs.clear();
      this.cookies.clear();
      this.size = 0;
    }
    this.size++;
    if (agentOnly) {
      this.byAgent.set(ua, device);
      return device;
    }
    let byUa: Map<string, Map<string, Device>> | undefined = this.hinted;
    if (cert !== '' || cookie !== '') {
      const top = cert !== '' ? this.certs : this.cookies;
      const id = cert !== '' ? cert : cookie;
      byUa = top.get(id);
      if (byUa === undefined) top.set(id, (byUa = new Map<string, Map<string, Device>>()));
    }
    let byHint = byUa.get(ua);
    if (byHint === undefined) byUa.set(ua, (byHint = new Map<string, Device>()));
    byHint.set(hint, device);
    return device;
  }
}

/**
 * What a user agent says about the machine, without what changes on every update: the family and
 * the platform (the first parenthesised part, which browsers freeze, and kubectl's `(os/arch)`),
 * with versions inside it (`rv:133.0`) dropped, plus the platform client hint. So a browser patch
 * release or a kubectl `-dispatcher` build is the same fingerprint, while another OS or another
 * kind of client is not. Still weak: anyone can send the same string.
 */
export function fingerprint(family: string, ua: string, secChUaPlatform: string | undefined): string {
  const paren = firstParenthesised(ua);
  const platform = paren !== undefined ? paren.replace(/\brv:[\d.]+/g, 'rv').replace(/\s+/g, ' ').trim() : '';
  return `${family}\n${platform}\n${secChUaPlatform ?? ''}`;
}

/**
 * The operating system a user agent names: kubectl and client-go say `(linux/amd64)`, browsers
 * `(Windows NT 10.0; Win64; x64)` or `(Macintosh; …)` and the `sec-ch-ua-platform` hint. Only the
 * OS, never its version or architecture (an arm64 Mac and an Intel one are one platform for this).
 * '' when the client names none (curl, the argocd CLI).
 */
export function platformOf(ua: string, secChUaPlatform: string | undefined): string {
  const hint = (secChUaPlatform ?? '').replace(/"/g, '').trim().toLowerCase();
  if (hint !== '') return PLATFORM_HINTS[hint] ?? 'other';
  const p = firstParenthesised(ua);
  if (p === undefined) return '';
  for (const [re, os] of PLATFORMS) if (re.test(p)) return os;
  return '';
}

/**
 * What `/\(([^)]*)\)/` captures, found with two indexOf calls: the text from the first `(` to the
 * next `)`. The regex retried from every `(` when no `)` follows, so a user agent of 16,000 `(`
 * (within the default limits.max_header_bytes) cost 100 ms in each of platformOf and fingerprint,
 * and 64,000 of them 1.4 and 2.5 s, on every Check that brought a new user agent.
 */
function firstParenthesised(ua: string): string | undefined {
  const open = ua.indexOf('(');
  if (open < 0) return undefined;
  const close = ua.indexOf(')', open + 1);
  return close < 0 ? undefined : ua.slice(open + 1, close);
}

const PLATFORM_HINTS: Readonly<Record<string, string>> = { windows: 'windows', macos: 'mac', linux: 'linux', 'chrome os': 'chromeos', chromeos: 'chromeos', android: 'android', ios: 'ios' };

/** Ordered: Android says Linux, iPhone says Mac OS X. */
const PLATFORMS: readonly (readonly [RegExp, string])[] = [
  [/\bAndroid\b|^android\//i, 'android'],
  [/\biPhone\b|\biPad\b|^ios\//i, 'ios'],
  [/\bCrOS\b/, 'chromeos'],
  [/\bWindows\b|^windows\//i, 'windows'],
  [/\bMacintosh\b|\bMac OS X\b|^darwin\//i, 'mac'],
  [/\bLinux\b|\bX11\b|^linux\//i, 'linux'],
  [/^freebsd\//i, 'freebsd'],
];

/**
 * The kind of client, for the client-change signal. One kind, `interactive`, covers what an
 * engineer runs by hand against the cluster: kubectl and the tools built on client-go (helm, k9s,
 * stern, kubefwd, the Argo CD CLI, Lens, or any binary with client-go's default agent), and
 * browsers. Moving between them within a working day is routine, and their user agents are claims
 * anyone can copy, so telling one from another buys nothing. A generic HTTP client (curl, python,
 * go, java, node…) holding the same token is another matter: that is what malware with its own
 * client uses, and each such family stays a kind of its own.
 */
export function clientKind(family: string, ua = ''): string {
  if (INTERACTIVE.has(family)) return 'interactive';
  // No user agent at all: every interactive tool sends one, so a client that sends none is a kind
  // of its own, like a script's library (day 7: malware sending none was no client change, and
  // without it no device either, so only behaviour stopped it).
  if (family === '') return 'none';
  if (family === 'other') {
    // client-go's default agent, "<binary>/<version> (<os>/<arch>) kubernetes/<commit>", with the
    // commit as built (a short hash, `$Format` when built without version stamping, or a tag), and
    // whatever a tool appends to it through client-go's `rest.AddUserAgent` ("…kubernetes/<commit>/
    // <its own>": the Argo Workflows CLI's `argo-workflows/v3.5.10 argo-api-client`, day 17).
    if (CLIENT_GO_AGENT.test(ua)) return 'interactive';
    // Any other agent is its product (the name before the first `/` or space): one bucket for every
    // agent stepgate does not name would let a tool the engineer proved (say a provider's own
    // client) vouch for whatever malware calls itself (day 7).
    return `other:${productOf(ua)}`;
  }
  return family;
}

/** The product name an agent starts with, lower-cased, at most 32 characters of [a-z0-9._-]. */
function productOf(ua: string): string {
  const m = /^[^/\s]*/.exec(ua.trim());
  const name = (m?.[0] ?? '').toLowerCase().replace(/[^a-z0-9._-]/g, '').slice(0, 32);
  return name === '' ? '?' : name;
}

const INTERACTIVE = new Set(['kubectl', 'helm', 'k9s', 'argocd', 'client-go', 'chrome', 'firefox', 'safari', 'edge', 'opera']);

const CLIENT_GO_AGENT = /^[\w.-]+\/\S+ \([\w.-]+\/[\w.-]+\) kubernetes\/[^\s/]+(?:\/.*)?$/;

/**
 * Whether `cert` (a principal, or `uri=…` from x-forwarded-client-cert) is a stepgate device
 * certificate's URI naming another issuer or subject than `owner` (core/device-uri.ts); any other
 * certificate (an MDM's) is not judged here. Without an owner (no identity) none counts.
 */
function foreignDeviceCertificate(cert: string, owner: CertificateOwner | undefined): boolean {
  const uri = cert.startsWith('uri=') ? cert.slice(4) : cert;
  if (!uri.startsWith(DEVICE_URI_PREFIX)) return false;
  const d = parseDeviceUri(uri);
  return d === undefined || owner === undefined || d.issuer !== owner.issuer || d.subject !== owner.subject;
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 22);
}

/**
 * The client certificate's identity from the last element of x-forwarded-client-cert (the one the
 * nearest proxy added): its `Hash` (the certificate's SHA-256), else its `URI`/`Subject`. Envoy
 * quotes a value holding ',', ';' or '=' (`Subject="CN=laptop,O=corp"`, with '\"' inside), so
 * elements and pairs are split outside quotes only: split on every ',', the last piece of such a
 * subject was taken for the element, which lost its Hash, and a subject written to hold
 * `";URI=spiffe://…` would have named a URI of its choosing.
 */
function xfccIdentity(xfcc: string): string {
  const elements = splitUnquoted(xfcc, ',');
  let uri = '';
  let subject = '';
  let hash = '';
  for (const part of splitUnquoted(elements[elements.length - 1] ?? '', ';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim().toLowerCase();
    const v = unquote(part.slice(eq + 1).trim());
    if (k === 'hash' && v !== '') hash = v;
    if (k === 'uri') uri = v;
    if (k === 'subject') subject = v;
  }
  // A stepgate device certificate is judged by the subject its URI names, and is one device
  // whether the gateway passes it as source.principal or here (the URI stays across renewals,
  // its Hash does not).
  if (uri.startsWith(DEVICE_URI_PREFIX)) return uri;
  if (hash !== '') return `hash=${hash}`;
  return uri !== '' ? `uri=${uri}` : subject !== '' ? `subject=${subject}` : '';
}

/** `s` split on `sep` where it stands outside a double-quoted run ('\' escapes inside one). */
function splitUnquoted(s: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === sep) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/** Ordered: Edge and Opera also say Chrome, Chrome also says Safari. */
const FAMILIES: readonly (readonly [RegExp, string])[] = [
  // Cloud SDK dispatchers run a versioned binary (`kubectl.1.32`), whose name client-go puts first.
  [/^kubectl[\w.-]*\//i, 'kubectl'],
  [/^helm\//i, 'helm'],
  [/^k9s\//i, 'k9s'],
  [/^argocd/i, 'argocd'],
  // Terraform's Kubernetes and Helm providers send "HashiCorp/1.0 Terraform/<version>".
  [/^terraform|^HashiCorp\/[\d.]+ Terraform\//i, 'terraform'],
  [/^curl\//i, 'curl'],
  [/^wget\//i, 'wget'],
  [/^python-requests|^python-urllib|^aiohttp/i, 'python'],
  [/^go-http-client/i, 'go'],
  [/^Java\/|^okhttp/i, 'java'],
  [/^node|^axios|^undici/i, 'node'],
  [/Edg(e|A|iOS)?\//, 'edge'],
  [/OPR\/|Opera/, 'opera'],
  [/Firefox\//, 'firefox'],
  [/Chrome\/|Chromium\/|CriOS\//, 'chrome'],
  [/Safari\//, 'safari'],
];

export function uaFamily(ua: string): string {
  if (ua === '') return '';
  for (const [re, family] of FAMILIES) if (re.test(ua)) return family;
  // client-go's default agent is "<binary>/<version> (<os>/<arch>) kubernetes/<commit>".
  if (/ kubernetes\/[0-9a-f]+$/.test(ua)) return 'client-go';
  return 'other';
}
