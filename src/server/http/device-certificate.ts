import type { IncomingMessage } from 'node:http';
import { reasonMessage, type ReasonCode } from '../../core/reasons.js';
import { clientText, hashSubject } from '../../core/redact.js';
import { ENROL_REFUSALS, type EnrolRefusal } from '../../devices/codes.js';
import { MAX_CSR_BYTES } from '../../devices/csr.js';
import { lastSecondBefore, type DeviceEnroller } from '../../devices/enrol.js';
import { bearerToken } from '../../pipeline/evaluate.js';
import { bearerEndpointRefusal } from '../../identity/sender-binding.js';
import type { Runtime } from '../../pipeline/runtime.js';
import { identityRefusal } from '../../pipeline/standing.js';
import type { Logger } from '../../telemetry/log.js';
import type { FlowResponse } from '../../web/stepup/flow.js';
import { unauthenticated, windowClosed } from './challenge.js';
import { readBody } from './respond.js';

export const DEVICE_CERTIFICATE_PATH = '/.stepgate/v1/device-certificate';

/** The JSON around a request of MAX_CSR_BYTES; a larger body is refused unread. */
const MAX_BODY = MAX_CSR_BYTES + 512;

const JSON_TYPE = ['content-type', 'application/json'] as const;
const NO_STORE = ['cache-control', 'no-store'] as const;

/** Where the endpoint counts its answers (stepgate_device_certificates_total). */
export interface DeviceCertificateCounter {
  deviceCertificate(outcome: 'issued' | 'refused', code: EnrolRefusal | ReasonCode | 'none'): void;
}

export interface DeviceRequest {
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  userAgent: string | undefined;
  clientIp: string | undefined;
  requestId: string;
}

/**
 * `POST /.stepgate/v1/device-certificate` (device_certificates): the kubectl plugin's enrolment.
 * `Authorization: Bearer <ID token>`, body `{"csr": "<PEM>"}`; answers `{certificate, ca,
 * device_id, not_after}` or `{reason, message}`. A thin adapter: the token verifies as for every
 * endpoint, the revocation list is asked, DeviceEnroller decides. Every issue and every refusal of
 * a verified caller is an audit record (a refusal before that is one of a flood of noise).
 */
export async function deviceCertificateEndpoint(
  rt: Runtime,
  enroller: DeviceEnroller,
  req: IncomingMessage,
  r: DeviceRequest,
  log: Logger,
  counter?: DeviceCertificateCounter,
): Promise<FlowResponse> {
  const cfg = rt.config.device_certificates;
  if (cfg === undefined) return { status: 404, headers: [JSON_TYPE, NO_STORE], body: JSON.stringify({ reason: 'not_found' }), audit: undefined };
  if (r.method !== 'POST') {
    return { status: 405, headers: [JSON_TYPE, NO_STORE, ['allow', 'POST']], body: JSON.stringify({ reason: 'method_not_allowed' }), audit: undefined };
  }
  // Every answer past routing is counted, unverified callers too: a flood of bad tokens at this
  // endpoint is what an operator wants to see, and the codes are a closed set either way.
  const count = (outcome: 'issued' | 'refused', code: EnrolRefusal | ReasonCode | 'none') => {
    try {
      counter?.deviceCertificate(outcome, code);
    } catch {
      // Counting never changes an answer.
    }
  };
  const refuse = (code: EnrolRefusal) => {
    count('refused', code);
    return refused(code);
  };
  const unverified = (reason: ReasonCode) => {
    count('refused', reason);
    return unauthenticated(rt, reason);
  };
  const unavailable = (): FlowResponse => {
    count('refused', 'state_unavailable');
    return { status: 503, headers: [JSON_TYPE, NO_STORE], body: JSON.stringify({ reason: 'state_unavailable', message: reasonMessage('state_unavailable') }), audit: undefined };
  };
  const body = await readBody(req, MAX_BODY);
  if (body === undefined) return refuse('device_csr_too_large');
  const token = bearerToken(r.authorization);
  if (typeof token !== 'string') return unverified(token.reason);
  const verified = await rt.verifier.verify(token);
  if (!verified.ok) return unverified(verified.reason);
  // A bound token's proof cannot be checked here: a copy of it must not enrol a device.
  const bound = bearerEndpointRefusal(verified.identity);
  if (bound !== undefined) return unverified(bound);
  const id = verified.identity;
  const nowMs = rt.now();
  const audit = (outcome: 'issued' | 'refused', fields: Record<string, unknown>) => {
    try {
      const t = rt.config.telemetry;
      const record = {
        audit: true,
        event: 'device.certificate',
        outcome,
        issuer: id.issuer,
        subject: t.subject === 'hashed' ? hashSubject(id.subject) : id.subject,
        level: id.levelName || undefined,
        client_ip: r.clientIp || undefined,
        user_agent: clientText(r.userAgent),
        request_id: r.requestId,
        ...fields,
      };
      if (outcome === 'issued') log[t.audit.level](record, 'device certificate issued');
      else log.warn(record, 'device certificate refused');
    } catch {
      // Logging never changes an answer.
    }
  };
  // Revoked, signed out or outside its access window: no certificate is minted for it (a device
  // certificate outlives the request, and would be a credential the window never closes on).
  const barred = identityRefusal(rt, id);
  if (barred !== undefined) {
    if (barred.reason === 'credential_revoked') return unverified('credential_revoked');
    if (barred.reason === 'access_window_closed') {
      audit('refused', { code: barred.reason, detail: barred.detail });
      count('refused', barred.reason);
      return windowClosed(barred);
    }
    return unavailable();
  }
  // A certificate outlives the request: it ends with the identity's access window (the earliest
  // that holds it), and in the window's last second there is nothing left to mint.
  const endsBy = rt.accessWindows?.closesAt(id) ?? Infinity;
  if (lastSecondBefore(endsBy) <= nowMs) {
    const shut = rt.accessWindows!.closed(id, () => endsBy)!;
    audit('refused', { code: 'access_window_closed', detail: shut.detail });
    count('refused', 'access_window_closed');
    return windowClosed({ reason: 'access_window_closed', detail: shut.detail, message: shut.message, window: shut.window });
  }
  let csr: unknown;
  try {
    const parsed = /^application\/json\s*(;|$)/i.test(r.contentType ?? '') ? (JSON.parse(body) as unknown) : undefined;
    csr = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>).csr : undefined;
  } catch {
    csr = undefined;
  }
  if (typeof csr !== 'string') {
    audit('refused', { code: 'device_request_invalid' });
    return refuse('device_request_invalid');
  }
  let result: Awaited<ReturnType<DeviceEnroller['enrol']>>;
  try {
    result = await enroller.enrol(cfg, rt.assurance, id, csr, nowMs, rt.riskState?.store.deviceIssues, endsBy);
  } catch (err) {
    audit('refused', { code: 'device_internal_error', detail: clientText((err as Error).message, 300) });
    return refuse('device_internal_error');
  }
  if (!result.ok) {
    audit('refused', { code: result.code, detail: clientText(result.detail, 300) });
    if (result.code === 'state_unavailable') return unavailable();
    return refuse(result.code);
  }
  const notAfter = new Date(result.notAfterMs).toISOString();
  audit('issued', { device_id: result.deviceId, not_after: notAfter });
  count('issued', 'none');
  return {
    status: 200,
    headers: [JSON_TYPE, NO_STORE],
    body: JSON.stringify({ certificate: result.certificatePem, ca: result.caPem, device_id: result.deviceId, not_after: notAfter }),
    audit: undefined,
  };
}

function refused(code: EnrolRefusal): FlowResponse {
  const r = ENROL_REFUSALS[code];
  return { status: r.status, headers: [JSON_TYPE, NO_STORE], body: JSON.stringify({ reason: code, message: r.message }), audit: undefined };
}
