import { randomBytes } from 'node:crypto';
import type { Runtime } from '../pipeline/runtime.js';
import { revocationId, type Actor, type IncidentDoc, type IncidentScope, type RevocationDoc } from '../incident/model.js';

/**
 * What an incident or a revocation does, whoever asks (the admin API or a Shared Signals event):
 * written to the shared store, then the local mirror reloaded at once so this replica applies it
 * before answering; the others hear the store's announcement.
 */

export interface RaiseInput {
  scope: IncidentScope;
  require?: string | undefined;
  max_age?: number | undefined;
  deny?: boolean | undefined;
  reason: string;
  durationSeconds: number;
}

export async function raiseIncident(rt: Runtime, input: RaiseInput, by: Actor): Promise<IncidentDoc> {
  const { store, board } = control(rt);
  const now = rt.now();
  const doc: IncidentDoc = {
    id: `inc-${randomBytes(4).toString('hex')}`,
    scope: input.scope,
    ...(input.require !== undefined ? { require: input.require } : {}),
    ...(input.max_age !== undefined ? { max_age: input.max_age } : {}),
    ...(input.deny === true ? { deny: true } : {}),
    reason: input.reason,
    by,
    created_at: now,
    expires_at: now + input.durationSeconds * 1000,
  };
  await store.control.put('incident', { id: doc.id, data: JSON.stringify(doc), expiresAt: doc.expires_at }, now);
  await board.refresh();
  return doc;
}

/** Ends an incident before its time; false when there is no such incident in force. */
export async function endIncident(rt: Runtime, id: string): Promise<IncidentDoc | undefined> {
  const { store, board } = control(rt);
  const now = rt.now();
  const doc = board.active(now).find((d) => d.id === id);
  const v = await store.control.remove('incident', id, now);
  await board.refresh();
  return v === undefined ? undefined : doc;
}

export type RevokeInput =
  | { kind: 'subject'; subject: string; issuer?: string | undefined; keepHistory?: boolean | undefined }
  | { kind: 'session'; session: string; issuer?: string | undefined };

/**
 * Revokes a subject (every credential authenticated before now) or a session. A subject's
 * revocation forgets what the risk engine learnt about it, so its next request must authenticate
 * afresh from what is then an unknown place (and, the revocation on record, with no newcomer
 * allowance: IncidentBoard.subjectRevokedAt), unless `keepHistory`: a precautionary revocation
 * (every user after an identity provider's session reset) that suspects no one, where forgetting
 * would only make everyone's own office and laptop new again.
 */
export async function revoke(rt: Runtime, input: RevokeInput, reason: string, by: Actor): Promise<RevocationDoc> {
  const { store, board } = control(rt);
  const now = rt.now();
  const ttl = rt.config.incident!.revocation_ttl_seconds * 1000;
  const doc: RevocationDoc =
    input.kind === 'subject'
      ? {
          id: revocationId('subject', input.subject, input.issuer),
          kind: 'subject',
          subject: input.subject,
          ...(input.issuer !== undefined ? { issuer: input.issuer } : {}),
          at: now,
          ...(input.keepHistory === true ? { keep_history: true as const } : {}),
          reason,
          by,
          expires_at: now + ttl,
        }
      : {
          id: revocationId('session', input.session, input.issuer),
          kind: 'session',
          session: input.session,
          ...(input.issuer !== undefined ? { issuer: input.issuer } : {}),
          at: now,
          reason,
          by,
          expires_at: now + ttl,
        };
  await store.control.put('revocation', { id: doc.id, data: JSON.stringify(doc), expiresAt: doc.expires_at }, now);
  if (input.kind === 'subject' && input.keepHistory !== true) {
    // The risk engine keys subjects by issuer and subject; without an issuer, every configured one.
    const issuers = input.issuer !== undefined ? [input.issuer] : rt.config.issuers.map((i) => i.issuer);
    if (rt.config.stepup.oidc && input.issuer === undefined && !issuers.includes(rt.config.stepup.oidc.issuer)) issuers.push(rt.config.stepup.oidc.issuer);
    // The revocation refuses the subject in any case (IncidentBoard.revokedBy folds it), so what was
    // learnt under any spelling is forgotten: the IdP's `Alice@corp` as well as the typed
    // `alice@corp`, and the lower-case history of an issuer with `subject_case: insensitive`
    // (core/identity.ts historyOf).
    await Promise.all(issuers.map((iss) => store.control.forgetEveryCase(`${iss}\n${input.subject}`)));
  }
  await board.refresh();
  return doc;
}

function control(rt: Runtime) {
  const store = rt.riskState?.store;
  const board = rt.incidents;
  if (store === undefined || board === undefined) throw new Error('incident mode is not configured');
  return { store, board };
}
