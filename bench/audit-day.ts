/**
 * Writes the audit log kube-apiserver would have written for the replayed working day of
 * docs/risk.md (test/support/workday.ts: two days, twenty engineers, CI, the incident, the
 * attacks), before stepgate was in front of it: every request, as sent, with the users' assurance
 * in user.extra. docs/rollout.md replays it.
 *
 *   npx tsx bench/audit-day.ts > /tmp/audit.log
 */
import { auditLines } from '../test/support/audit-log.js';
import { workday } from '../test/support/workday.js';

const out: string[] = [];
workday().forEach((e, i) => out.push(...auditLines({ at: e.at, method: e.method, target: e.path, ip: e.ip, ua: e.ua, login: e.login }, `${(0x5eed0000 + i).toString(16)}-7c1e-4a51-9d2b-${String(i).padStart(12, '0')}`, { stages: ['RequestReceived', 'ResponseComplete'] })));
process.stdout.write(`${out.join('\n')}\n`);
