import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '../../pipeline/runtime.js';
import { randomUUID } from 'node:crypto';
import type { FlowAudit, FlowResponse, StepUpFlow } from '../../web/stepup/flow.js';
import { errorPage } from '../../web/stepup/pages.js';
import { traceIdOf } from '../../telemetry/tracing.js';
import type { Logger } from '../../telemetry/log.js';
import { clientText, hashSubject } from '../../core/redact.js';
import { listenHttp, type RunningHttpServer } from './listen.js';
import type { TrustedProxies } from './proxies.js';
import { readBody, send } from './respond.js';
import type { ApprovalAudit, ApprovalDesk, DeskResponse } from '../../web/approvals/desk.js';
import { APPROVALS_PATH } from '../../approvals/urls.js';
import { CHALLENGE_PATH, challengeEndpoint } from './challenge.js';
import { DEVICE_CERTIFICATE_PATH, deviceCertificateEndpoint, type DeviceCertificateCounter } from './device-certificate.js';
import type { DeviceEnroller } from '../../devices/enrol.js';
import { ADMIN_MAX_BODY, ADMIN_PATH, adminApi } from '../../admin/admin.js';
import { MAX_SET_BYTES, receiveSignal, SIGNALS_PATH } from '../../admin/signals.js';

export interface StepUpServerOptions {
  flow: StepUpFlow;
  /** The approval pages (/.stepgate/approvals); undefined without `automation`. */
  desk?: ApprovalDesk;
  runtime: () => Runtime;
  log: Logger;
  listen: string;
  proxies: TrustedProxies;
  /** For `incident.shared_signals.authorization_env`. */
  env?: NodeJS.ProcessEnv;
  /** The device CA (`device_certificates`), read at start; undefined without it. */
  devices?: DeviceEnroller;
  /** Counts the device-certificate endpoint's answers (stepgate_device_certificates_total). */
  metrics?: DeviceCertificateCounter;
  /** Whether the whole service is ready (every listener bound, not shutting down); healthz says so. */
  ready?: () => boolean;
}

const MAX_FORM_BYTES = 8192;

/**
 * The public step-up listener (`server.http_listen`): only the /.stepgate/ routes. A thin
 * adapter: route, call the flow, write its answer, write its audit record. Nothing thrown here
 * reaches node:http.
 */
export async function startStepUpServer(opts: StepUpServerOptions): Promise<RunningHttpServer> {
  return listenHttp(
    opts.listen,
    (req, res) => {
      const ids = requestIds(req);
      handle(opts, req, ids).then(
        (r) => finish(opts, req, res, withIds(r, ids), ids, undefined),
        (err: unknown) => {
          const r = opts.flow.fail('stepup_internal_error', 'unexpected failure');
          finish(opts, req, res, withIds(r, ids), ids, err);
        },
      );
    },
    'server.http_listen',
  );
}

async function handle(opts: StepUpServerOptions, req: IncomingMessage, ids: RequestIds): Promise<FlowResponse | DeskResponse> {
  const url = new URL(req.url ?? '/', 'http://stepgate.invalid');
  const method = req.method ?? 'GET';
  if (opts.desk && opts.runtime().approvals !== undefined && (url.pathname === APPROVALS_PATH || url.pathname.startsWith(`${APPROVALS_PATH}/`))) {
    return approvals(opts.desk, opts.flow, req, url.pathname, method);
  }
  if (url.pathname.startsWith(`${ADMIN_PATH}/`)) {
    // Incident admin API (issue 15): bearer-authenticated JSON, audited by the handler itself.
    const body = method === 'POST' ? await readBody(req, ADMIN_MAX_BODY) : '';
    return adminApi(opts.runtime(), { method, path: url.pathname.slice(ADMIN_PATH.length), authorization: req.headers.authorization, contentType: req.headers['content-type'], body }, opts.log);
  }
  if (url.pathname === SIGNALS_PATH) {
    const body = method === 'POST' ? await readBody(req, MAX_SET_BYTES) : '';
    return receiveSignal(opts.runtime(), { method, contentType: req.headers['content-type'], authorization: req.headers.authorization, body }, opts.log, opts.env ?? process.env);
  }
  switch (url.pathname) {
    case '/.stepgate/start':
      return method === 'GET' || method === 'HEAD' ? opts.flow.start(url.searchParams, req.headers.cookie, req.headers.referer) : opts.flow.notFound();
    case '/.stepgate/session':
      return method === 'GET' || method === 'HEAD' ? opts.flow.session(req.headers.cookie, req.headers.accept) : opts.flow.notFound();
    case '/.stepgate/signout':
      return method === 'POST'
        ? opts.flow.signout(req.headers.cookie, req.headers.origin, req.headers['sec-fetch-site'] as string | undefined)
        : opts.flow.notFound();
    case '/.stepgate/continue': {
      if (method !== 'POST') return opts.flow.notFound();
      const body = await readBody(req, MAX_FORM_BYTES);
      if (body === undefined) return opts.flow.fail('stepup_request_invalid', 'form too large');
      return opts.flow.continue(new URLSearchParams(body), req.headers.origin, req.headers['sec-fetch-site'] as string | undefined, req.headers.cookie);
    }
    case '/.stepgate/callback':
      return method === 'GET' ? opts.flow.callback(url.searchParams, req.headers.cookie) : opts.flow.notFound();
    case DEVICE_CERTIFICATE_PATH:
      if (!opts.devices) return opts.flow.notFound();
      return deviceCertificateEndpoint(opts.runtime(), opts.devices, req, {
        method,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        userAgent: req.headers['user-agent'],
        clientIp: opts.proxies.clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'] as string | undefined),
        requestId: ids.requestId,
      }, opts.log, opts.metrics);
    case CHALLENGE_PATH:
      return challengeEndpoint(opts.runtime(), method, req.headers.authorization);
    case '/.stepgate/healthz':
      // The same answer as gRPC health: not ready while another listener is missing or on shutdown.
      return opts.ready === undefined || opts.ready()
        ? { status: 200, headers: [['content-type', 'text/plain'], ['cache-control', 'no-store']], body: 'ok\n', audit: undefined }
        : { status: 503, headers: [['content-type', 'text/plain'], ['cache-control', 'no-store']], body: 'not ready\n', audit: undefined };
    default:
      return opts.flow.notFound();
  }
}

async function approvals(desk: ApprovalDesk, flow: StepUpFlow, req: IncomingMessage, path: string, method: string): Promise<FlowResponse | DeskResponse> {
  const cookie = req.headers.cookie;
  if (path === APPROVALS_PATH) return method === 'GET' || method === 'HEAD' ? desk.list(cookie) : flow.notFound();
  const id = path.slice(APPROVALS_PATH.length + 1);
  if (method === 'GET' || method === 'HEAD') return desk.detail(id, cookie);
  if (method !== 'POST') return flow.notFound();
  const body = await readBody(req, MAX_FORM_BYTES);
  if (body === undefined) return flow.fail('stepup_request_invalid', 'form too large');
  return desk.decide(id, {
    cookie,
    origin: req.headers.origin,
    secFetchSite: req.headers['sec-fetch-site'] as string | undefined,
    form: new URLSearchParams(body),
  });
}

interface RequestIds {
  requestId: string;
  traceId: string | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The ids an error page shows so that an admin finds its audit record: the gateway's
 * x-request-id when it sends a plain one (Envoy and nginx can), else one made here; the trace id
 * of the trace the request arrived with (traceparent or B3), when the gateway traces.
 */
function requestIds(req: IncomingMessage): RequestIds {
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  let traceId: string | undefined;
  try {
    const headers = new Map<string, string>();
    for (const name of ['traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-parentspanid', 'x-b3-flags']) {
      const v = req.headers[name];
      if (typeof v === 'string') headers.set(name, v);
    }
    traceId = headers.size > 0 ? traceIdOf(headers) : undefined;
  } catch {
    traceId = undefined;
  }
  return { requestId, traceId };
}

function withIds<T extends FlowResponse | DeskResponse>(r: T, ids: RequestIds): T {
  if (!('error' in r) || !r.error) return r;
  const error = { ...r.error, requestId: ids.requestId, traceId: ids.traceId };
  return { ...r, error, body: errorPage(error) };
}

function finish(opts: StepUpServerOptions, req: IncomingMessage, res: ServerResponse, r: FlowResponse | DeskResponse, ids: RequestIds, err?: unknown): void {
  try {
    send(res, r.status, r.headers, req.method === 'HEAD' ? '' : r.body);
  } catch {
    res.destroy();
  }
  if (isDesk(r)) {
    if (r.audit) auditApproval(opts, req, r.audit, r.status, ids);
    return;
  }
  if (!r.audit && err === undefined) return;
  try {
    const rt = opts.runtime();
    const cfg = rt.config.telemetry;
    const a = r.audit;
    const record = {
      audit: true,
      ...a,
      subject: a?.subject !== undefined && cfg.subject === 'hashed' ? hashSubject(a.subject) : a?.subject,
      detail: a?.detail !== undefined ? clientText(a.detail, 300) : undefined,
      status: r.status,
      client_ip: opts.proxies.clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'] as string | undefined) || undefined,
      user_agent: clientText(req.headers['user-agent']),
      request_id: ids.requestId,
      trace_id: ids.traceId,
      err: err instanceof Error ? err.message : err === undefined ? undefined : String(err),
    };
    // A sign-out the server could not record leaves copies of the session working: worth a look.
    const level = err !== undefined ? 'error' : a?.session_ended === 'failed' ? 'warn' : cfg.audit.level;
    opts.log[level](record, FLOW_MESSAGES[a?.outcome ?? 'failed']);
  } catch {
    // Logging never changes an answer.
  }
}

const FLOW_MESSAGES: Record<FlowAudit['outcome'], string> = {
  failed: 'step-up failed',
  completed: 'step-up completed',
  redirected: 'step-up redirected to the identity provider',
  signed_out: 'signed out of stepgate',
};

function isDesk(r: FlowResponse | DeskResponse): r is DeskResponse & { audit: ApprovalAudit | undefined } {
  return r.audit !== undefined && r.audit.event !== 'stepup.flow';
}

const APPROVAL_MESSAGES: Record<ApprovalAudit['event'], string> = {
  'approval.approved': 'automation request approved',
  'approval.rejected': 'automation request rejected',
  'approval.refused': 'approval decision refused',
};

/** Both identities, the approval id and a summary; never the cookie, the page token or a body. */
function auditApproval(opts: StepUpServerOptions, req: IncomingMessage, a: ApprovalAudit, status: number, ids: RequestIds): void {
  try {
    const cfg = opts.runtime().config.telemetry;
    const subject = (s: string | undefined) => (s !== undefined && cfg.subject === 'hashed' ? hashSubject(s) : s);
    const record = {
      audit: true,
      event: a.event,
      code: a.code,
      detail: a.detail !== undefined ? clientText(a.detail, 300) : undefined,
      approval_id: a.approval_id,
      summary: clientText(a.summary, 300),
      automation: a.automation && {
        issuer: a.automation.issuer,
        subject: subject(a.automation.subject),
        // The people the pipeline ran for (automation.acts_for): subjects too, and logged as such.
        ...(a.automation.acts_for === undefined ? {} : { acts_for: a.automation.acts_for.map((p) => subject(clientText(p, 256))) }),
      },
      approver: a.approver && { ...a.approver, subject: subject(a.approver.subject) },
      status,
      client_ip: opts.proxies.clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'] as string | undefined) || undefined,
      user_agent: clientText(req.headers['user-agent']),
      request_id: ids.requestId,
      trace_id: ids.traceId,
    };
    opts.log[a.event === 'approval.refused' ? 'warn' : cfg.audit.level](record, APPROVAL_MESSAGES[a.event]);
  } catch {
    // Logging never changes an answer.
  }
}
