import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { WS_UPGRADE } from '../support/workday.js';
import { SITE_PROD_SECRETS } from '../support/workday29.js';
import { API, JUMP_HOST, KUBECTL, LENS, OFFICE } from '../support/workday30.js';

/**
 * What the thirtieth replayed day (test/support/workday30.ts, docs/risk.md "Day 30") found, through
 * the real gRPC server running examples/stepgate.yaml on a virtual clock: a .NET shop's Windows
 * laptops with desktop clients (Lens, Headlamp, Aptakube) and kubectl in PowerShell and in WSL
 * sharing one token cache, a shared Windows jump host reached over RDP. Each test is one person's
 * routine, then the finding, with their sign-in of that moment. The open ones are `it.fails`.
 */

const s = exampleServiceForFile();
const site = exampleServiceForFile({ edit: SITE_PROD_SECRETS });
/** The warm-up Monday and the scored Tuesday, 08:00 UTC. */
const [MON, TUE] = [12, 13].map((d) => Date.UTC(2027, 3, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const WIN_KUBECTL = KUBECTL('windows/amd64');
const WSL_KUBECTL = KUBECTL('linux/amd64');
const HOME = '81.108.40.190';

const { send, routine, twoDays } = findingRequests(s, { host: API, source: HOME, ua: LENS, firstDay: MON, secondDay: TUE });
const atSite = findingRequests(site, { host: API, source: HOME, ua: LENS, firstDay: MON, secondDay: TUE });

/** A claims developer's day in Lens: production's pods, Deployments and a log; staging's database Secret opened from Lens's Secrets view. */
const lensCalls: Step[] = [
  ['GET', '/api/v1/namespaces/claims-prod/pods'],
  ['GET', '/apis/apps/v1/namespaces/claims-prod/deployments'],
  ['GET', '/api/v1/namespaces/claims-prod/pods/claims-api-x1/log?container=api&tailLines=1000&timestamps=true'],
  ['GET', '/api/v1/namespaces/claims-staging/secrets/claims-sql'],
];

/** The DBA's reads of SQL Server in claims' production, from the shared jump host. */
const dbaCalls: Step[] = [
  ['GET', '/api/v1/namespaces/claims-prod/pods?labelSelector=app%3Dmssql'],
  ['GET', '/apis/apps/v1/namespaces/claims-prod/statefulsets/mssql'],
  ['GET', '/api/v1/namespaces/claims-prod/pods/mssql-0/log?container=mssql&tailLines=500'],
];
const SQLCMD = '/api/v1/namespaces/claims-prod/pods/mssql-0/exec?command=%2Fopt%2Fmssql-tools18%2Fbin%2Fsqlcmd&container=mssql&stdin=true&stdout=true&tty=true';
const BASH = '/api/v1/namespaces/claims-prod/pods/mssql-0/exec?command=%2Fbin%2Fbash&container=mssql&stdin=true&stdout=true&tty=true';

describe('Windows desktop clients, WSL and a shared jump host, with examples/stepgate.yaml', () => {
  // Open (day 30, every seed both ways): a Lens extension whose author read docs/risk.md stays in
  // the namespaces its engineer works in. Through Lens's own proxy it lists claims' production
  // Secrets: the engineer's laptop, network, Lens (its agent) and token, a namespace of their
  // working set, and a kind they do (they open staging's database Secret in Lens). What tells it
  // apart is on the desktop: which extension asked (Lens's extension permissions), or production's
  // Secrets kept from a developer's role.
  it.fails("a Lens extension listing production Secrets in the engineer's own namespace through Lens is asked", async () => {
    const me = 'd30f-lens@aireclaims.example';
    const login = await twoDays(me, lensCalls);
    const res = await send(login, TUE + 7.3 * H, 'GET', '/api/v1/namespaces/claims-prod/secrets');
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // The same on a site copy that lists `unfamiliar_kind`'s `production_secret_read` (day 29's fix,
  // not in the example: its price on days 1–10 is in docs/risk.md, "Day 29: what it found"): an
  // identity that reads only staging's Secrets is asked at its first production one.
  it("with production_secret_read listed, the Lens extension's first production Secret list is asked", async () => {
    const me = 'd30f-lens-site@aireclaims.example';
    const login = await atSite.twoDays(me, lensCalls);
    const res = await atSite.send(login, TUE + 7.3 * H, 'GET', '/api/v1/namespaces/claims-prod/secrets');
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Open (day 30: request 3 of 4 with history, not stopped without): another admin of the shared
  // jump host takes over the DBA's disconnected RDP session (`tscon`) at lunch and uses the kubectl
  // session open in it. The DBA's kubectl, token and address (every admin's: the jump host's), and
  // a shell in the pod the DBA opens `sqlcmd` in every day: only the command differs, which the
  // example does not compare. The answer is on the jump host: a time limit on disconnected sessions
  // (the Remote Desktop Session Host's "End a disconnected session" policy), and no admin who can
  // run `tscon` on another's session.
  it.fails("another admin of the jump host opening a shell in SQL Server's pod through the DBA's taken-over RDP session is asked", async () => {
    const me = 'd30f-dba@aireclaims.example';
    const o = { source: JUMP_HOST, ua: WIN_KUBECTL };
    let login = signIn(me, MON - 40_000);
    for (const day of [MON, TUE]) {
      login = signIn(me, day - 40_000);
      const t = await routine(login, day, dbaCalls, o);
      const shell = await send(login, t + 10 * M, 'GET', SQLCMD, { ...o, headers: WS_UPGRADE });
      expect(reasonOf(shell), rules(shell)).toBe('allowed');
    }
    const res = await send(login, TUE + 4.33 * H, 'GET', BASH, { ...o, headers: WS_UPGRADE });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Open (day 30 without warm-up: dev-2 on seeds 281 and 285, dev-4 on seed 281): kubectl in
  // PowerShell and in WSL sharing one token cache (WSL's ~/.kube a link to %USERPROFILE%\.kube). On
  // an engineer's first day, WSL's kubectl uses the morning's login after Lens proved it, unasked
  // and unproven (no kubectl on another platform had used the login yet); PowerShell's kubectl is
  // then asked (platform_change) and its sign-in proves Windows only; WSL's next command is asked
  // again, since platform_change wants a sign-in made after the login's first use, which the one in
  // use can never be. With history (each device proven once) neither is asked, and Windows
  // Update's kubectl or Lens builds do not change the fingerprint (family and platform only).
  it.fails("on an engineer's first day, WSL's kubectl after PowerShell's sign-in in the same token is not asked again", async () => {
    const me = 'd30f-wsl@aireclaims.example';
    const o = { source: OFFICE(0) };
    const morning = signIn(me, TUE - 40_000);
    const lens = await send(morning, TUE + 20_000, 'GET', '/api/v1/namespaces/claims-prod/pods', o);
    expect(reasonOf(lens), rules(lens)).toBe('allowed');
    const wsl = await send(morning, TUE + 17 * M, 'GET', '/apis/apps/v1/namespaces/claims-prod/deployments?limit=500', { ...o, ua: WSL_KUBECTL });
    expect(reasonOf(wsl), rules(wsl)).toBe('allowed');
    const ps = await send(morning, TUE + 26 * M, 'GET', '/api/v1/namespaces/claims-prod/pods?limit=500', { ...o, ua: WIN_KUBECTL });
    expect(reasonOf(ps), rules(ps)).toBe('auth_too_old');
    const fresh = signIn(me, TUE + 26.5 * M);
    const retry = await send(fresh, TUE + 27 * M, 'GET', '/api/v1/namespaces/claims-prod/pods?limit=500', { ...o, ua: WIN_KUBECTL });
    expect(reasonOf(retry), rules(retry)).toBe('allowed');
    const later = await send(fresh, TUE + 3 * H, 'GET', '/api/v1/namespaces/claims-prod/pods?limit=500', { ...o, ua: WSL_KUBECTL });
    expect(reasonOf(later), rules(later)).toBe('allowed');
  });

  // Why that friction stays: the same token copied to another machine on the same network, used
  // with kubectl on Linux (a colleague's laptop on the office LAN, a VM), looks the same to
  // stepgate as WSL's kubectl seen before the sign-in; it is asked.
  it("a PowerShell kubectl's token used with kubectl on Linux from another machine on the same network is asked", async () => {
    const me = 'd30f-copy@aireclaims.example';
    const o = { source: OFFICE(0), ua: WIN_KUBECTL };
    const login = await twoDays(me, [['GET', '/api/v1/namespaces/claims-prod/pods?limit=500'], ['GET', '/api/v1/namespaces/claims-staging/secrets/claims-sql']], o);
    const res = await send(login, TUE + 2 * H, 'GET', '/api/v1/namespaces/claims-staging/secrets/claims-sql', { source: OFFICE(1), ua: WSL_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });
});
