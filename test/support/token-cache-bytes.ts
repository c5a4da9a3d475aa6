import { createHmac } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileAssurance } from '../../src/core/assurance.js';
import { parseConfig } from '../../src/config/load.js';
import { TokenVerifier } from '../../src/identity/verifier.js';

/**
 * For test/unit/token-cache-bytes*.test.ts: stepgate_token_cache_bytes (TokenVerifier.cacheBytes)
 * against the heap the cached entries really retain, measured: the gauge is what an operator sizes
 * the cache and the pod's memory by, so an estimate that drifts from the objects it stands for (issue 17: the gauge said 757 B per entry
 * while the heap held 1,226) is a sizing error. Every token a different user (subject, session,
 * email), the groups shared: the worst case the sizing table in docs/configuration.md is for.
 * A heap difference after full collections, not a timing.
 */
const ISS = 'https://idp.bytes.test';
const SECRET = 'unit-test-hmac-secret-of-at-least-32-bytes';
const GROUPS = ['engineering', 'platform-team', 'oncall-payments', 'k8s-prod-readers', 'k8s-dev-admins', 'grafana-editors'];

function verifier(now: () => number): TokenVerifier {
  const config = parseConfig(
    `
issuers:
  - issuer: ${ISS}
    audiences: [kubernetes]
    algorithms: [HS256]
    hmac_secret_env: UNIT_SECRET
assurance:
  levels:
    - name: aal1
      acr: [urn:stepgate:aal1]
policy:
  default: { require: aal1 }
identity_headers:
  claims: { email: x-stepgate-email, groups: x-stepgate-groups }
token_cache:
  max_entries: 100000
  max_ttl_seconds: 3600
`,
    'unit.yaml',
  );
  return new TokenVerifier(config, compileAssurance(config.assurance.levels), { fetch: () => Promise.reject(new Error('offline')), now, env: { UNIT_SECRET: SECRET } });
}

const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
function token(i: number, nowS: number): string {
  const hex = i.toString(16).padStart(12, '0');
  const payload = {
    iss: ISS,
    aud: 'kubernetes',
    sub: `f3b9c2e1-8d4a-4c6b-9e2f-${hex}`,
    sid: `5aafd813-e2f4-41d7-adfe-${hex}`,
    iat: nowS,
    auth_time: nowS,
    exp: nowS + 3600,
    acr: 'urn:stepgate:aal1',
    amr: ['pwd'],
    email: `user${i}@example.com`,
    groups: GROUPS,
  };
  const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

function collect(): void {
  // A full collection on demand, without starting the test runner with --expose-gc.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

/**
 * Bytes per additional entry, by the gauge and by the heap: 1,500 tokens to warm, then 3,000 more,
 * each verified `times` times (twice: seen again, so the front keeps it too, token-front.ts).
 * Fewer distinct users in all than the intern tables hold (10,000 pairs: two per user), so no
 * table is emptied in between and both figures count the same objects.
 */
export async function perEntry(times: number): Promise<{ estimated: number; measured: number; cached: number; fronted: number }> {
  const t = Date.parse('2026-12-06T08:00:00Z');
  const v = verifier(() => t);
  const nowS = Math.floor(t / 1000);
  // Warm: the shared values (groups, level and issuer pairs), and the code compiled for this path,
  // which would otherwise be counted as ~70 bytes per entry.
  const verifyEach = async (from: number, n: number) => {
    // Each token made as it is used: a list of them would be freed between the two figures.
    for (let i = from; i < from + n; i++) {
      const tok = token(i, nowS);
      for (let k = 0; k < times; k++) if (!(await v.verify(tok)).ok) throw new Error(`token ${i} refused`);
    }
  };
  await verifyEach(0, 1500);
  const N = 3000;
  collect();
  const heap0 = process.memoryUsage().heapUsed;
  const gauge0 = v.cacheBytes;
  await verifyEach(1_000_000, N);
  collect();
  const fronted = (v as unknown as { front: { size: number } }).front.size;
  return { measured: (process.memoryUsage().heapUsed - heap0) / N, estimated: (v.cacheBytes - gauge0) / N, cached: v.cacheSize, fronted };
}
