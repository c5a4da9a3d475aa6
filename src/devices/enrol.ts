import type { DeviceCertificatesConfig } from '../config/schema.js';
import type { AssuranceModel } from '../core/assurance.js';
import { deviceUri } from '../core/device-uri.js';
import type { Identity } from '../core/identity.js';
import { StateUnavailableError, type IssueCounts } from '../state/store.js';
import type { DeviceCa } from './ca.js';
import type { EnrolRefusal } from './codes.js';
import { readCsr } from './csr.js';
import { issueCertificate } from './issue.js';
import { IssueLimiter } from './rate.js';

export type EnrolResult =
  | { ok: true; certificatePem: string; caPem: string; deviceId: string; notAfterMs: number; uri: string }
  | { ok: false; code: EnrolRefusal | 'state_unavailable'; detail: string };

/** A clock a few minutes behind on a laptop, or at the gateway, must not refuse a certificate just issued. */
const BACKDATE_MS = 5 * 60_000;

/**
 * The enrolment decision, for a caller whose token already verified (the HTTP adapter does that,
 * as for every endpoint): an identity a human signed in as, at `min_level` or above, within
 * `max_auth_age_seconds`, within the rate limit, presenting a request for its own subject signed
 * by the key it carries. Pure apart from the limiter and the CA's signature. The limit is counted
 * in `shared` when the state store is shared (Redis: every replica's issues together), on this
 * replica otherwise; a shared count that cannot be taken refuses (state_unavailable), as every
 * stepgate check fails closed when its state cannot be read.
 */
export class DeviceEnroller {
  private readonly limiter = new IssueLimiter();

  constructor(private readonly ca: DeviceCa) {}

  /** `endsBy`: the instant the certificate may not reach (the identity's access window's end, ms), Infinity without one. */
  async enrol(cfg: DeviceCertificatesConfig, assurance: AssuranceModel, id: Identity, csrPem: string, nowMs: number, shared?: IssueCounts, endsBy = Infinity): Promise<EnrolResult> {
    if (id.automation) return { ok: false, code: 'device_automation', detail: 'an automation identity' };
    const need = assurance.rank(cfg.min_level);
    if (id.level < need) return { ok: false, code: 'device_level_insufficient', detail: `presented ${id.levelName || 'no level'}, needs ${cfg.min_level}` };
    if (id.authTime === undefined) return { ok: false, code: 'device_auth_time_missing', detail: 'no auth_time' };
    const age = Math.floor(nowMs / 1000) - id.authTime;
    if (age > cfg.max_auth_age_seconds) return { ok: false, code: 'device_auth_too_old', detail: `signed in ${age}s ago, at most ${cfg.max_auth_age_seconds}s` };
    const csr = readCsr(csrPem, id.subject);
    if (!csr.ok) return csr;
    const { max, window_seconds } = cfg.rate_limit;
    let within: boolean;
    try {
      within = shared ? await shared.take(id.issuer, id.subject, max, window_seconds * 1000) : this.limiter.take(`${id.issuer}\n${id.subject}`, nowMs, max, window_seconds * 1000);
    } catch (err) {
      if (!(err instanceof StateUnavailableError)) throw err;
      return { ok: false, code: 'state_unavailable', detail: `the shared issue count could not be taken: ${err.message}` };
    }
    if (!within) {
      return { ok: false, code: 'device_rate_limited', detail: `${cfg.rate_limit.max} in ${cfg.rate_limit.window_seconds}s` };
    }
    // An access window's end bounds it too: a certificate is device evidence and a TLS client
    // certificate the gateway accepts until its notAfter, which X.509 includes (hence a second
    // before the window's end, to the second the certificate carries).
    // The adapter refuses the window's last second itself (access_window_closed).
    const notAfterMs = Math.min(nowMs + cfg.lifetime_seconds * 1000, this.ca.notAfterMs, lastSecondBefore(endsBy));
    if (notAfterMs <= nowMs) return { ok: false, code: 'device_internal_error', detail: notAfterMs === this.ca.notAfterMs ? 'the device CA certificate has expired' : 'the access window ends within the second' };
    const uri = deviceUri({ deviceId: csr.deviceId, issuer: id.issuer, subject: id.subject });
    const certificatePem = issueCertificate(this.ca, { spki: csr.spki, uri, deviceId: csr.deviceId, notBeforeMs: nowMs - BACKDATE_MS, notAfterMs });
    return { ok: true, certificatePem, caPem: this.ca.certificatePem, deviceId: csr.deviceId, notAfterMs, uri };
  }
}

/** The last whole second a certificate may name as its (inclusive) notAfter and still end before `ms`. */
export function lastSecondBefore(ms: number): number {
  return Number.isFinite(ms) ? Math.floor(ms / 1000) * 1000 - 1000 : Infinity;
}
