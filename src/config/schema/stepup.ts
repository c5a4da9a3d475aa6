import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { envName, isLoopbackHost, nonEmpty } from './common.js';

export const oidcSchema = z
  .strictObject({
    issuer: z.url({ message: 'must be the identity provider\'s issuer URL (its discovery document is read from it)' }),
    client_id: nonEmpty,
    client_secret_env: envName,
    redirect_uri: z.url(),
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is one printable word')).min(1).default(['openid']),
    allow_insecure_http: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    if (new URL(o.redirect_uri).pathname !== '/.stepgate/callback') {
      ctx.addIssue({ code: 'custom', path: ['redirect_uri'], message: 'must end in /.stepgate/callback (the path stepgate serves the callback on)' });
    }
    if (!o.scopes.includes('openid')) {
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include openid: the step-up needs an ID token' });
    }
    for (const [field, value] of [['issuer', o.issuer], ['redirect_uri', o.redirect_uri]] as const) {
      const u = new URL(value);
      if (u.protocol === 'https:') continue;
      if (u.protocol !== 'http:' || !isLoopbackHost(u.hostname)) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'must be https (http only for a loopback host, with allow_insecure_http: true)' });
      } else if (!o.allow_insecure_http) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'http needs allow_insecure_http: true (loopback development only)' });
      }
    }
  });

export const sessionSchema = z.strictObject({
  cookie_name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('stepgate_session'),
  domain: z
    .string()
    .regex(/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/, 'a lower-case domain such as example.com')
    .optional(),
  lifetime_seconds: z.number().int().min(60).max(86_400).default(3600),
  keys_env: envName,
});

/** `stepup`: where step-ups happen, the OIDC client, the session and state cookies. */
export const stepupSchema = z
  .strictObject({
    url: z.url().optional(),
    return_hosts: z.array(nonEmpty).default([]),
    realm: z.string().regex(/^[^"\\]*$/, 'must not contain quotes or backslashes').default('stepgate'),
    oidc: oidcSchema.optional(),
    session: sessionSchema.optional(),
    state_cookie: z
      .strictObject({
        lifetime_seconds: z.number().int().min(60).max(3600).default(600),
      })
      .prefault({}),
  })
  .prefault({});

/** How each `stepup` key applies on reload (schema/apply.ts). */
export const STEPUP_APPLY = {
  'stepup.url': 'live',
  'stepup.return_hosts': 'live',
  'stepup.realm': 'live',
  'stepup.oidc.issuer': 'restart', // the OIDC client is built at start
  'stepup.oidc.client_id': 'restart',
  'stepup.oidc.client_secret_env': 'restart',
  'stepup.oidc.redirect_uri': 'restart',
  'stepup.oidc.scopes': 'restart',
  'stepup.oidc.allow_insecure_http': 'restart',
  'stepup.session.cookie_name': 'live',
  'stepup.session.domain': 'live',
  'stepup.session.lifetime_seconds': 'live',
  'stepup.session.keys_env': 'restart', // the OIDC state cookies and approval tokens keep the keys read at start
  'stepup.state_cookie.lifetime_seconds': 'restart', // the OIDC state cookies are set up at start
} as const satisfies ApplyTable;
