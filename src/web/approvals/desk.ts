import type { Identity } from '../../core/identity.js';
import type { Runtime } from '../../pipeline/runtime.js';
import { identityRefusal } from '../../pipeline/standing.js';
import { compileGlobList } from '../../core/glob.js';
import { FLOW_ERRORS, type FlowErrorCode } from '../stepup/errors.js';
import { errorPage } from '../stepup/pages.js';
import type { ApprovalRecord } from '../../state/store.js';
import { compileAutomation, personKey } from '../../core/automation.js';
import { checkOrigin, type ApprovalTokens } from './csrf.js';
import { parseDocument, type ApprovalDocument } from '../../decision/approval-document.js';
import { APPROVAL_PAGE_HEADERS, decidedPage, detailPage, listPage, stepUpNeededPage, summaryOf } from './pages.js';
import { APPROVAL_ID } from '../../approvals/request-id.js';
import { approvalUrl, APPROVALS_PATH } from '../../approvals/urls.js';

/** What the approval routes answer; src/server/http/stepup.ts writes it and logs `audit`. */
export interface DeskResponse {
  status: number;
  headers: (readonly [string, string])[];
  body: string;
  audit: ApprovalAudit | undefined;
}

/** One audit record per decision attempt that got as far as a known approval and a signed-in human. */
export interface ApprovalAudit {
  event: 'approval.approved' | 'approval.rejected' | 'approval.refused';
  code?: FlowErrorCode;
  detail?: string;
  approval_id: string;
  summary?: string;
  automation?: { issuer: string; subject: string; acts_for?: string[] };
  approver?: { issuer: string; subject: string; level: string; auth_age: number | undefined };
}

export interface DeskDeps {
  runtime: () => Runtime;
  tokens: ApprovalTokens;
  now: () => number;
}

export interface PostContext {
  cookie: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  form: URLSearchParams;
}

const LIST_LIMIT = 100;

/** `closed`: a valid session outside its access window, which no sign-in would open. */
type Viewer = { ok: true; who: Identity; cookie: string } | { ok: false; why: string; closed?: { detail: string } };

/**
 * The approval pages: list, detail, and the approve/reject decision. Pure request → response logic
 * over the runtime's approval store and session identities; no node:http here.
 *
 * Viewing needs a valid step-up session (and membership of `automation.approver.groups` when set).
 * Deciding needs, on top: a same-origin POST carrying the page's token (csrf.ts), a session at
 * the approval's required level and `approver.level`, authenticated within
 * `approver.max_age_seconds`, and a subject other than the automation's.
 */
export class ApprovalDesk {
  constructor(private readonly deps: DeskDeps) {}

  async list(cookie: string | undefined): Promise<DeskResponse> {
    const rt = this.deps.runtime();
    const viewer = await this.viewer(rt, cookie);
    if (!viewer.ok) return this.unseen(rt, `${APPROVALS_PATH}`, viewer);
    const denied = this.groupRefusal(rt, viewer.who);
    if (denied) return this.fail('approval_forbidden', denied);
    let records: ApprovalRecord[];
    try {
      records = await rt.approvals!.list(LIST_LIMIT, this.deps.now());
    } catch (err) {
      return this.fail('approval_state_unavailable', message(err));
    }
    const items = records.filter((r) => r.state === 'pending').map((r) => ({ id: r.id, state: r.state, doc: parseDocument(r.data) }));
    return page(200, listPage(items, viewer.who.subject));
  }

  async detail(id: string, cookie: string | undefined): Promise<DeskResponse> {
    const rt = this.deps.runtime();
    if (!APPROVAL_ID.test(id)) return this.fail('approval_not_found', 'malformed id');
    const viewer = await this.viewer(rt, cookie);
    if (!viewer.ok) return this.unseen(rt, `${APPROVALS_PATH}/${id}`, viewer, id);
    const denied = this.groupRefusal(rt, viewer.who);
    if (denied) return this.fail('approval_forbidden', denied);
    const found = await this.load(rt, id);
    if ('status' in found) return found;
    const { rec, doc } = found;
    let form: { token: string } | undefined;
    let blocked: { why: string; stepUp: string | undefined } | undefined;
    if (rec.state === 'pending') {
      const may = this.mayDecide(rt, viewer.who, doc, await this.runsFor(rt, viewer, doc));
      if (may.ok) form = { token: this.deps.tokens.issue(viewer.cookie, id) };
      else blocked = { why: may.why, stepUp: may.code === 'approval_stepup_required' ? this.stepUpLink(rt, id, doc) : undefined };
    }
    return page(200, detailPage({ id, state: rec.state, expiresAt: rec.expiresAt, doc, form, blocked }));
  }

  async decide(id: string, c: PostContext): Promise<DeskResponse> {
    const rt = this.deps.runtime();
    const expectedOrigin = new URL(rt.config.stepup.url!).origin;
    // Same-origin first, before any state is read: a cross-site form post is refused outright.
    const origin = checkOrigin(c.origin, c.secFetchSite, expectedOrigin);
    if (!origin.ok) return this.fail('approval_csrf', origin.detail, { event: 'approval.refused', approval_id: id });
    if (!APPROVAL_ID.test(id)) return this.fail('approval_not_found', 'malformed id');
    const viewer = await this.viewer(rt, c.cookie);
    if (!viewer.ok) return this.unseen(rt, `${APPROVALS_PATH}/${id}`, viewer, id);
    const who = viewer.who;
    const approver = { issuer: who.issuer, subject: who.subject, level: who.levelName, auth_age: authAge(who, this.deps.now()) };
    if (!this.deps.tokens.verify(c.form.get('csrf'), viewer.cookie, id)) {
      return this.fail('approval_csrf', 'the page token is missing or belongs to another session or approval', { event: 'approval.refused', approval_id: id, approver });
    }
    const decision = c.form.get('decision');
    if (decision !== 'approve' && decision !== 'reject') return this.fail('stepup_request_invalid', 'decision must be approve or reject');
    const found = await this.load(rt, id);
    if ('status' in found) return found;
    const { rec, doc } = found;
    const base = { approval_id: id, summary: summaryOf(doc), automation: doc.who, approver };
    if (rec.state !== 'pending') return this.fail('approval_conflict', `already ${rec.state}`, { event: 'approval.refused', ...base });
    const groupRefusal = this.groupRefusal(rt, who);
    if (groupRefusal) return this.fail('approval_forbidden', groupRefusal, { event: 'approval.refused', ...base });
    const may = this.mayDecide(rt, who, doc, await this.runsFor(rt, viewer, doc));
    if (!may.ok) {
      const audit: ApprovalAudit = { event: 'approval.refused', code: may.code, detail: may.why, ...base };
      if (may.code === 'approval_stepup_required') return { ...this.stepUpNeeded(rt, id, doc, may.why), audit };
      return this.fail(may.code, may.why, audit);
    }
    const state = decision === 'approve' ? 'approved' : 'rejected';
    const now = this.deps.now();
    const decided: ApprovalDocument = { ...doc, decision: { state, by: { issuer: who.issuer, subject: who.subject, level: who.levelName }, at: now } };
    let out: ApprovalRecord | undefined;
    try {
      out = await rt.approvals!.decide(id, state, JSON.stringify(decided), rt.config.automation!.approval_ttl_seconds * 1000, now);
    } catch (err) {
      return this.fail('approval_state_unavailable', message(err), { event: 'approval.refused', ...base });
    }
    if (!out) return this.fail('approval_conflict', 'decided or expired meanwhile', { event: 'approval.refused', ...base });
    return { ...page(200, decidedPage(state, id, base.summary)), audit: { event: state === 'approved' ? 'approval.approved' : 'approval.rejected', ...base } };
  }

  private async viewer(rt: Runtime, cookieHeader: string | undefined): Promise<Viewer> {
    const sessions = rt.sessions;
    const cookie = sessions?.fromCookieHeader(cookieHeader);
    if (!sessions || cookie === undefined) return { ok: false, why: 'You are not signed in to stepgate.' };
    const r = await sessions.verify(cookie);
    if (!r.ok) return { ok: false, why: r.reason === 'session_expired' ? 'Your stepgate sign-in has expired.' : 'Your stepgate sign-in is not valid.' };
    // A copy of a session signed out (or revoked) must not decide approvals any more than pass a
    // Check, nor an approver outside their access window (a contractor in the approver group
    // after their engagement ended): the window's own sentence says why.
    const refused = identityRefusal(rt, r.identity);
    if (refused) {
      if (refused.reason === 'access_window_closed') return { ok: false, why: refused.message, closed: { detail: refused.detail } };
      return { ok: false, why: refused.reason === 'credential_revoked' ? 'Your stepgate sign-in was ended; sign in again.' : 'stepgate cannot tell whether your sign-in is still valid; try again shortly.' };
    }
    return { ok: true, who: r.identity, cookie };
  }

  private groupRefusal(rt: Runtime, who: Identity): string | undefined {
    const groups = rt.config.automation!.approver!.groups;
    if (!groups) return undefined;
    const match = compileGlobList(groups, null);
    return who.groups.some((g) => match(g)) ? undefined : 'you are not in automation.approver.groups';
  }

  /**
   * Why the approver is one of the people the pipeline runs for (`automation.acts_for`), or
   * undefined: their subject, or their session's `approver_claim` when the issuer's entry names
   * one, equals a person the token named. A session without that claim cannot be told apart from
   * them, so it is refused too.
   */
  private async runsFor(rt: Runtime, viewer: { who: Identity; cookie: string }, doc: ApprovalDocument): Promise<string | undefined> {
    const people = doc.who.acts_for;
    if (people === undefined) return undefined;
    const keys = new Set(people.map(personKey));
    const refusal = 'This pipeline runs for you (automation.acts_for): nobody approves their own pipeline\'s request.';
    if (keys.has(personKey(viewer.who.subject))) return refusal;
    const claim = rt.config.automation?.acts_for.find((f) => f.issuer === doc.who.issuer)?.approver_claim;
    if (claim === undefined) return undefined;
    const v = await rt.sessions!.claim(viewer.cookie, claim);
    const names = (Array.isArray(v) ? v : [v]).filter((n): n is string => typeof n === 'string' && n !== '');
    if (names.length === 0) return `Your sign-in carries no ${claim} claim, so stepgate cannot tell you apart from the person this pipeline runs for (automation.acts_for).`;
    return names.some((n) => keys.has(personKey(n))) ? refusal : undefined;
  }

  private mayDecide(
    rt: Runtime,
    who: Identity,
    doc: ApprovalDocument,
    runsFor: string | undefined,
  ): { ok: true } | { ok: false; code: 'approval_stepup_required' | 'approval_forbidden'; why: string } {
    const auto = rt.config.automation!;
    // Nobody approves their own request: not the automation, not anyone signed in as its subject,
    // no identity that is itself automation, and not the person the pipeline runs for.
    if (who.subject === doc.who.subject || compileAutomation(auto)(who.issuer, who.subject, {})) {
      return { ok: false, code: 'approval_forbidden', why: 'An identity cannot approve its own request, and automation cannot approve.' };
    }
    if (runsFor !== undefined) return { ok: false, code: 'approval_forbidden', why: runsFor };
    const need = this.neededLevel(rt, doc);
    const age = authAge(who, this.deps.now());
    if (who.level < need) {
      return { ok: false, code: 'approval_stepup_required', why: `Approving needs a sign-in at level ${rt.assurance.names[need]}; yours is ${who.levelName}.` };
    }
    if (age === undefined || age > auto.approver!.max_age_seconds) {
      return { ok: false, code: 'approval_stepup_required', why: `Approving needs a sign-in from the last ${auto.approver!.max_age_seconds} seconds.` };
    }
    return { ok: true };
  }

  /** The stronger of the approval's own requirement and `approver.level`; an unknown name counts as the highest. */
  private neededLevel(rt: Runtime, doc: ApprovalDocument): number {
    const names = rt.assurance.names;
    const approver = names.indexOf(rt.config.automation!.approver!.level);
    const wanted = doc.why.required_level;
    const own = wanted === undefined ? -1 : names.indexOf(wanted) < 0 ? names.length - 1 : names.indexOf(wanted);
    return Math.max(approver, own);
  }

  private stepUpLink(rt: Runtime, id: string, doc: ApprovalDocument): string {
    const url = new URL(rt.config.stepup.url!);
    url.searchParams.set('level', rt.assurance.names[this.neededLevel(rt, doc)]!);
    url.searchParams.set('max_age', String(rt.config.automation!.approver!.max_age_seconds));
    url.searchParams.set('reason', 'approval_required');
    url.searchParams.set('rd', approvalUrl(rt.config.stepup.url!, id));
    return url.href;
  }

  private stepUpNeeded(rt: Runtime, id: string, doc: ApprovalDocument, why: string): DeskResponse {
    return page(FLOW_ERRORS.approval_stepup_required.status, stepUpNeededPage('approval_stepup_required', why, this.stepUpLink(rt, id, doc)));
  }

  /**
   * A viewer without a usable session is asked to sign in, except one outside their access window:
   * signing in again would not open it, so the page says why (the window's sentence), audited.
   */
  private unseen(rt: Runtime, path: string, viewer: { why: string; closed?: { detail: string } }, id = ''): DeskResponse {
    if (viewer.closed === undefined) return this.signIn(rt, path, viewer.why);
    const code = 'approval_forbidden';
    return {
      status: FLOW_ERRORS[code].status,
      headers: [...APPROVAL_PAGE_HEADERS],
      body: errorPage({ code, shown: viewer.why }),
      audit: { event: 'approval.refused', code, detail: `access_window_closed: ${viewer.closed.detail}`, approval_id: id },
    };
  }

  private signIn(rt: Runtime, path: string, why: string): DeskResponse {
    const url = new URL(rt.config.stepup.url!);
    url.searchParams.set('level', rt.config.automation!.approver!.level);
    url.searchParams.set('max_age', String(rt.config.automation!.approver!.max_age_seconds));
    url.searchParams.set('reason', 'approval_required');
    url.searchParams.set('rd', `${new URL(rt.config.stepup.url!).origin}${path}`);
    return page(FLOW_ERRORS.approval_signin_required.status, stepUpNeededPage('approval_signin_required', why, url.href));
  }

  private async load(rt: Runtime, id: string): Promise<{ rec: ApprovalRecord; doc: ApprovalDocument } | DeskResponse> {
    let rec: ApprovalRecord | undefined;
    try {
      rec = await rt.approvals!.get(id, this.deps.now());
    } catch (err) {
      return this.fail('approval_state_unavailable', message(err));
    }
    if (!rec) return this.fail('approval_not_found', 'no such approval (expired, used or never recorded)');
    const doc = parseDocument(rec.data);
    if (!doc) return this.fail('approval_state_unavailable', 'the stored approval document is malformed');
    return { rec, doc };
  }

  fail(code: FlowErrorCode, detail: string, audit?: ApprovalAudit): DeskResponse {
    return { status: FLOW_ERRORS[code].status, headers: [...APPROVAL_PAGE_HEADERS], body: errorPage(code), audit: audit && { code, detail, ...audit } };
  }
}

function page(status: number, body: string): DeskResponse {
  return { status, headers: [...APPROVAL_PAGE_HEADERS], body, audit: undefined };
}

function authAge(who: Identity, nowMs: number): number | undefined {
  return who.authTime === undefined ? undefined : Math.floor(nowMs / 1000) - who.authTime;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

