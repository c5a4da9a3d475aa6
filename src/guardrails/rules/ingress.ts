import { UNKNOWN_VALUE } from '../parse.js';
import { arrayOf, isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * ingress_config_injection: an Ingress that writes its own text into the ingress controller's
 * configuration. ingress-nginx copies every annotation's value into nginx.conf, and a `*-snippet`
 * annotation is nginx configuration by design (CVE-2021-25742, CVE-2023-5043); ordinary annotations
 * whose value closes the directive it lands in and opens another did the same (auth-url
 * CVE-2025-24514, auth-tls-match-cn CVE-2025-1097, mirror-target/mirror-host CVE-2025-1098,
 * permanent-redirect CVE-2023-5044), and so did a path that closes its quoted `location`. The
 * controller then runs that configuration with its service account, which reads every Secret of
 * the cluster in a default install: whoever may write an Ingress in any namespace holds them.
 */

/** networking.k8s.io (v1, and v1beta1 on clusters before 1.22) and the older extensions group. */
export const INGRESS_KEYS: ReadonlySet<string> = new Set(['networking.k8s.io/ingresses', 'extensions/ingresses']);

/**
 * Every annotation ingress-nginx reads, by the name after its prefix: its
 * docs/user-guide/nginx-configuration/annotations-risk.md (controller main, March 2026) without the
 * snippets, plus names older releases still in use read (`whitelist-source-range`, `mirror-uri`,
 * the opentracing and influxdb ones). Matched under any prefix, because the controller's prefix is
 * a flag (`--annotations-prefix`), and another controller's annotation of the same name is a value
 * for the same kind of configuration file.
 */
const NGINX_ANNOTATIONS: ReadonlySet<string> = new Set([
  'affinity', 'affinity-canary-behavior', 'affinity-mode', 'allowlist-source-range', 'app-root',
  'auth-always-set-cookie', 'auth-cache-duration', 'auth-cache-key', 'auth-keepalive', 'auth-keepalive-requests',
  'auth-keepalive-share-vars', 'auth-keepalive-timeout', 'auth-method', 'auth-proxy-set-headers', 'auth-realm',
  'auth-request-redirect', 'auth-response-headers', 'auth-secret', 'auth-secret-type', 'auth-signin',
  'auth-signin-redirect-param', 'auth-tls-error-page', 'auth-tls-match-cn', 'auth-tls-pass-certificate-to-upstream',
  'auth-tls-secret', 'auth-tls-verify-client', 'auth-tls-verify-depth', 'auth-type', 'auth-url', 'backend-protocol',
  'canary', 'canary-by-cookie', 'canary-by-header', 'canary-by-header-pattern', 'canary-by-header-value',
  'canary-weight', 'canary-weight-total', 'client-body-buffer-size', 'connection-proxy-header',
  'cors-allow-credentials', 'cors-allow-headers', 'cors-allow-methods', 'cors-allow-origin', 'cors-expose-headers',
  'cors-max-age', 'custom-headers', 'custom-http-errors', 'default-backend', 'denylist-source-range',
  'disable-proxy-intercept-errors', 'enable-access-log', 'enable-cors', 'enable-global-auth', 'enable-modsecurity',
  'enable-opentelemetry', 'enable-owasp-core-rules', 'enable-rewrite-log', 'fastcgi-index', 'fastcgi-params-configmap',
  'force-ssl-redirect', 'from-to-www-redirect', 'http2-push-preload', 'limit-allowlist', 'limit-burst-multiplier',
  'limit-connections', 'limit-rate', 'limit-rate-after', 'limit-rpm', 'limit-rps', 'load-balance', 'mirror-host',
  'mirror-request-body', 'mirror-target', 'modsecurity-transaction-id', 'opentelemetry-operation-name',
  'opentelemetry-trust-incoming-span', 'permanent-redirect', 'permanent-redirect-code', 'preserve-trailing-slash',
  'proxy-body-size', 'proxy-buffer-size', 'proxy-buffering', 'proxy-buffers-number', 'proxy-busy-buffers-size',
  'proxy-connect-timeout', 'proxy-cookie-domain', 'proxy-cookie-path', 'proxy-http-version',
  'proxy-max-temp-file-size', 'proxy-next-upstream', 'proxy-next-upstream-timeout', 'proxy-next-upstream-tries',
  'proxy-read-timeout', 'proxy-redirect-from', 'proxy-redirect-to', 'proxy-request-buffering', 'proxy-send-timeout',
  'proxy-ssl-ciphers', 'proxy-ssl-name', 'proxy-ssl-protocols', 'proxy-ssl-secret', 'proxy-ssl-server-name',
  'proxy-ssl-verify', 'proxy-ssl-verify-depth', 'relative-redirects', 'rewrite-target', 'satisfy', 'server-alias',
  'service-upstream', 'session-cookie-change-on-failure', 'session-cookie-conditional-samesite-none',
  'session-cookie-domain', 'session-cookie-expires', 'session-cookie-max-age', 'session-cookie-name',
  'session-cookie-path', 'session-cookie-samesite', 'session-cookie-secure', 'ssl-ciphers', 'ssl-passthrough',
  'ssl-prefer-server-ciphers', 'ssl-redirect', 'temporal-redirect', 'temporal-redirect-code', 'upstream-hash-by',
  'upstream-hash-by-subset', 'upstream-hash-by-subset-size', 'upstream-vhost', 'use-port-in-redirects', 'use-regex',
  'x-forwarded-prefix',
  // Read by releases before 1.12.
  'whitelist-source-range', 'limit-whitelist', 'mirror-uri', 'enable-opentracing', 'opentracing-trust-incoming-span',
  'enable-influxdb', 'influxdb-measurement', 'influxdb-port', 'influxdb-host', 'influxdb-server-name',
  'global-rate-limit', 'global-rate-limit-window', 'global-rate-limit-key', 'global-rate-limit-ignored-cidrs',
]);

/**
 * `server-snippet`, `configuration-snippet`, `auth-snippet`, `stream-snippet`, `modsecurity-snippet`
 * (ingress-nginx), `server-snippets`, `location-snippets` (F5 NGINX, Angie), `backend-config-snippet`
 * (HAProxy's): configuration text, under any prefix.
 */
const SNIPPET = /-snippets?$/;

/**
 * What ends an nginx directive or opens or closes a block, comments out the rest of its line, or
 * closes the quoted string a value is written into. Current ingress-nginx's annotation validation
 * (on by default since 1.12) refuses all of them in every annotation above but the braces, which it
 * lets through in a server-name regex, where nginx refuses them unless quoted (ingress-nginx does
 * not quote those); so an Ingress that works has none. `${name}` is nginx's own variable syntax
 * and is taken out first (NGINX_VARIABLE).
 */
const VALUE_BREAKOUT = /[\n\r;{}#"']/;
const NGINX_VARIABLE = /\$\{\w*\}/g;

/**
 * In a path: what closes the quoted `location` string (newer controllers escape `"` and `\`, older
 * ones wrote the path unquoted), ends the directive, or starts a comment. A request path never holds
 * a raw quote, newline or `#`, so no working Ingress has one; braces stay allowed (regex quantifiers).
 */
const PATH_BREAKOUT = /[\n\r;#"']/;

/** The annotation's name after its prefix (`nginx.ingress.kubernetes.io/auth-url` → `auth-url`). */
function nameOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? key : key.slice(slash + 1);
}

/** Annotations are read on every write; paths only where the spec is written (not `ingresses/status`). */
export function checkIngress(doc: Json, docPath: string, subresource: string, ctx: RuleContext): void {
  checkAnnotations(doc, docPath, ctx);
  checkExternalAuth(doc, docPath, ctx);
  if (subresource === '') checkPaths(doc, docPath, ctx);
}

function checkAnnotations(doc: Json, docPath: string, ctx: RuleContext): void {
  const meta = doc.metadata;
  if (!isObject(meta)) return;
  const path = `${docPath}metadata.annotations`;
  const annotations = meta.annotations;
  if (annotations === UNKNOWN_VALUE) {
    // A JSON patch copied or moved a map into place: whatever it holds, it is not shown.
    ctx.out.push({ code: 'ingress_config_injection', detail: 'the patch sets the Ingress annotations to values it does not show', path });
    return;
  }
  if (!isObject(annotations)) return;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string' || value === '') continue;
    const name = nameOf(key);
    const at = `${path}[${JSON.stringify(key.slice(0, 120))}]`;
    const shown = key.slice(0, 120);
    if (SNIPPET.test(name)) {
      ctx.out.push({ code: 'ingress_config_injection', detail: `annotation ${shown} is configuration the ingress controller copies into its own`, path: at });
    } else if (NGINX_ANNOTATIONS.has(name) && (value === UNKNOWN_VALUE || VALUE_BREAKOUT.test(value.replace(NGINX_VARIABLE, '')))) {
      const why = value === UNKNOWN_VALUE ? 'is a value the patch copies from elsewhere' : `holds ${breakout(value.replace(NGINX_VARIABLE, ''), VALUE_BREAKOUT)}, which ends the directive it is written into`;
      ctx.out.push({ code: 'ingress_config_injection', detail: `annotation ${shown} ${why}`, path: at });
    }
  }
}

/**
 * gated_host_route by the ingress controller's own check: where stepgate is ingress-nginx's
 * forward auth (an Ingress's `auth-url`, or the controller's `global-auth-url` for every Ingress;
 * docs/stepup.md), a patch that removes an Ingress's `auth-url` (a merge patch's null, a JSON
 * patch's remove), or an Ingress that opts out of the global one (`enable-global-auth: "false"`),
 * serves its hosts with no check. Whose check it was is in the stored object, so any removal is
 * judged as taking stepgate's off. A patch that sets `auth-url` is not judged: that is also how an
 * Ingress is first given one, and what it held before is not shown (docs/guardrails.md).
 */
function checkExternalAuth(doc: Json, docPath: string, ctx: RuleContext): void {
  const annotations = isObject(doc.metadata) ? doc.metadata.annotations : undefined;
  if (!isObject(annotations)) return;
  for (const [key, value] of Object.entries(annotations)) {
    const name = nameOf(key);
    const at = `${docPath}metadata.annotations[${JSON.stringify(key.slice(0, 120))}]`;
    const shown = key.slice(0, 120);
    if (name === 'enable-global-auth' && value === 'false') {
      ctx.out.push({ code: 'gated_host_route', detail: `annotation ${shown} takes the Ingress's hosts out of the controller's forward auth`, path: at });
    } else if (name === 'auth-url' && ctx.partial && value === null) {
      ctx.out.push({ code: 'gated_host_route', detail: `the patch removes annotation ${shown}, the forward auth that checks the Ingress's hosts`, path: at });
    }
  }
}

function checkPaths(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  for (const [i, rule] of arrayOf(spec.rules).entries()) {
    if (!isObject(rule) || !isObject(rule.http)) continue;
    for (const [j, p] of arrayOf(rule.http.paths).entries()) {
      if (!isObject(p) || typeof p.path !== 'string' || !PATH_BREAKOUT.test(p.path)) continue;
      ctx.out.push({
        code: 'ingress_config_injection',
        detail: `rule ${i} path ${j} holds ${breakout(p.path, PATH_BREAKOUT)}, which ends the location it is written into`,
        path: `${docPath}spec.rules[${i}].http.paths[${j}].path`,
      });
    }
  }
}

/** Names the character, never the value (a body's values are the client's and may be long). */
function breakout(value: string, chars: RegExp): string {
  const c = chars.exec(value)?.[0] ?? '';
  return c === '\n' ? 'a newline' : c === '\r' ? 'a carriage return' : `'${c}'`;
}
