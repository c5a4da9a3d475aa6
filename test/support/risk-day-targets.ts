import { beforeAll, describe, expect, it } from 'vitest';
import { exampleService, sharedIssuerForFile } from './workday-service.js';
import { replay, reportTables, workday, type DayEvent, type DayReport, type ReplayOptions } from './workday.js';
import { workday2 } from './workday2.js';
import { workday3 } from './workday3.js';
import { D4_IDP_DOWN, workday4 } from './workday4.js';
import { workday5 } from './workday5.js';
import { workday6 } from './workday6.js';
import { workday7 } from './workday7.js';
import { workday8 } from './workday8.js';
import { workday9 } from './workday9.js';
import { workday10 } from './workday10.js';
import { workday11 } from './workday11.js';
import { workday12 } from './workday12.js';
import { workday13 } from './workday13.js';
import { workday14 } from './workday14.js';
import { workday15 } from './workday15.js';
import { SITE as D16_SITE, workday16 } from './workday16.js';
import { SITE as D17_SITE, workday17 } from './workday17.js';
import { SITE as D18_SITE, workday18 } from './workday18.js';
import { SITE as D19_SITE, workday19 } from './workday19.js';
import { workday20 } from './workday20.js';
import { workday21 } from './workday21.js';
import { SITE as D22_SITE, workday22 } from './workday22.js';
import { SITE as D23_SITE, workday23 } from './workday23.js';
import { SITE as D24_SITE, workday24 } from './workday24.js';
import { SITE as D25_SITE, workday25 } from './workday25.js';
import { SITE as D26_SITE, workday26 } from './workday26.js';
import { workday27 } from './workday27.js';
import { SITE as D28_SITE, workday28 } from './workday28.js';
import { pluginOf as d29Plugin, workday29 } from './workday29.js';
import { pluginOf as d30Plugin, workday30 } from './workday30.js';
import { workday31 } from './workday31.js';
import { SITE as D32_SITE, workday32 } from './workday32.js';
import { SITE as D33_SITE, workday33 } from './workday33.js';
import { SITE as D34_SITE, workday34 } from './workday34.js';
import { workday35 } from './workday35.js';
import { A36, SITE as D36_SITE, workday36 } from './workday36.js';
import { A37, workday37 } from './workday37.js';
import { A38, workday38 } from './workday38.js';
import { A39, SITE as D39_SITE, workday39 } from './workday39.js';
import { A40, SITE as D40_SITE, workday40 } from './workday40.js';
import { A41, SITE as D41_SITE, workday41 } from './workday41.js';
import { A42, SITE as D42_SITE, workday42 } from './workday42.js';
import { A43, SITE as D43_SITE, workday43 } from './workday43.js';
import { A44, SITE as D44_SITE, workday44 } from './workday44.js';
import { A45, SITE as D45_SITE, workday45 } from './workday45.js';
import { A46, SITE as D46_SITE, workday46 } from './workday46.js';
import { A47, SITE as D47_SITE, workday47 } from './workday47.js';
import { SITE as D48_SITE, workday48 } from './workday48.js';
import { A49, workday49 } from './workday49.js';

/**
 * Issue 12's targets on twenty-two differently built replayed days (the third to twenty-second written
 * after the engine, the fourth onwards as an outside tester would (the sixth, eighth, eleventh onwards as a red team), to test that it generalises), each over five seeds (day 8: three here, days 9 to 26: one here, five each in bench/day-matrix.ts), through the server's Check handler
 * (in-process-check.ts: everything but the HTTP/2 framing, which risk-day-transport.test.ts holds
 * to the same report) running examples/stepgate.yaml on a virtual clock: every attack stopped at its first sensitive action at
 * the latest, except where its first actions are indistinguishable from the engineer's own work
 * (docs/risk.md says which and why), held to the bound given below; no two challenges of an
 * engineer within 8 hours on routine work, no 403 on routine work, CI and controllers never
 * refused.
 *
 * STEPGATE_DAY_SEEDS=12,3 narrows the seeds of days 1 and 2 (STEPGATE_DAY3_SEEDS day 3's,
 * STEPGATE_DAY4_SEEDS day 4's, STEPGATE_DAY5_SEEDS day 5's, STEPGATE_DAY6_SEEDS day 6's, STEPGATE_DAY7_SEEDS
 * day 7's, STEPGATE_DAY8_SEEDS day 8's, STEPGATE_DAY9_SEEDS day 9's, STEPGATE_DAY10_SEEDS day 10's, STEPGATE_DAY11_SEEDS day 11's, STEPGATE_DAY12_SEEDS day 12's, STEPGATE_DAY13_SEEDS day 13's, STEPGATE_DAY14_SEEDS day 14's, STEPGATE_DAY15_SEEDS day 15's, STEPGATE_DAY16_SEEDS day 16's, STEPGATE_DAY17_SEEDS day 17's, STEPGATE_DAY18_SEEDS day 18's, STEPGATE_DAY19_SEEDS day 19's, STEPGATE_DAY20_SEEDS day 20's, STEPGATE_DAY21_SEEDS day 21's, STEPGATE_DAY22_SEEDS day 22's, STEPGATE_DAY23_SEEDS day 23's, STEPGATE_DAY24_SEEDS day 24's, STEPGATE_DAY25_SEEDS day 25's, STEPGATE_DAY26_SEEDS day 26's, STEPGATE_DAY27_SEEDS day 27's, STEPGATE_DAY28_SEEDS day 28's, STEPGATE_DAY29_SEEDS day 29's, STEPGATE_DAY30_SEEDS day 30's, STEPGATE_DAY31_SEEDS day 31's, STEPGATE_DAY32_SEEDS day 32's, STEPGATE_DAY33_SEEDS day 33's, STEPGATE_DAY34_SEEDS day 34's, STEPGATE_DAY35_SEEDS day 35's, STEPGATE_DAY36_SEEDS day 36's, STEPGATE_DAY37_SEEDS day 37's, STEPGATE_DAY38_SEEDS day 38's, STEPGATE_DAY39_SEEDS day 39's, STEPGATE_DAY40_SEEDS day 40's, …, STEPGATE_DAY46_SEEDS day 46's, STEPGATE_DAY47_SEEDS day 47's, STEPGATE_DAY48_SEEDS day 48's, STEPGATE_DAY49_SEEDS day 49's), STEPGATE_DAYS=2 the days
 * (and skips the policy-only comparison unless day 1 is run); STEPGATE_DAY_REPORT=1 prints
 * the tables docs/risk.md shows.
 *
 * The days are split over three test files (risk-day.test.ts: days 1–3, risk-day-4to7.test.ts,
 * risk-day-8on.test.ts) of about the same cost, so that CI's two workers share them.
 */

// Narrowing is for a developer's loop only: CI always replays every day and seed.
const narrow = process.env.CI !== 'true';
const seeds = ((narrow && process.env.STEPGATE_DAY_SEEDS) || '12,1,2,3,4').split(',').map(Number);

/** Rows whose first requests are what the victim does every day: stopped by behaviour, at most here. */
const LATE: Record<string, number> = {
  // Day 47 (docs/risk.md, "Day 47: what it found"), every seed: malware on the laptop of an
  // engineer who moved teams that morning replaces the image of the old team's production
  // Deployment (request 1, allowed with the warm-up day: prod-cards is in the working set, an
  // \`it.fails\` in risk-day47-findings.test.ts) and is asked at the card vault's key Secret
  // (unfamiliar_kind, request 2); without history it is asked at request 1 (unfamiliar_namespace).
  [A47.moved]: 2,
  // Day 47 without history only: the extension in the SRE's browser reads prod-payments' Secrets
  // through Headlamp unasked on a fresh server (the SRE's history is that morning's, younger than
  // unfamiliar_kind's 20 hours, and prod-payments is in it) and is asked at the ServiceAccount it
  // creates in monitoring (request 2, unfamiliar_namespace); with the warm-up day, request 1.
  [A47.extension]: 2,
  // Day 45 (docs/risk.md, "Day 45: what it found"), every seed both ways: the insider deleting the
  // production arena's GameServers one by one is asked at request 5 (machine_pace: the fourth
  // distinct delete within 20 s), signs in and goes on, and is refused at request 13, its twelfth
  // delete (destructive_burst): eleven GameServers, each a match in progress, are gone by then.
  [A45.insider]: 5,
  // Day 45, with the warm-up day (every seed): a malicious extension in the moderator's own Chrome
  // reads the moderation tool's export credentials page and its API (requests 1 and 2: the tool is a
  // web app the example has no rule for, so the default's aal1 within 12 hours lets them through);
  // the export bucket's Secret through the Kubernetes API, the moderator's first Secret read, is
  // unfamiliar_kind's (request 3). An open finding, an \`it.fails\` in risk-day45-findings.test.ts.
  [A45.extension]: 3,
  // Day 43 (docs/risk.md, "Day 43: what it found"), an open finding, an `it.fails` in
  // risk-day43-findings.test.ts: the malicious package inside a data scientist's notebook, with the
  // token pasted into its environment (ds-1's own terminal context: the cluster's NAT, the Python
  // client), takes the screening campaign's 48 GPUs with six 8-GPU Jobs in ds-1's own profile
  // namespace (nothing reads a pod's GPU count); genomics' dataset Secret next is asked (request 7,
  // unfamiliar_namespace). On 411 and 413 with the warm-up day ds-1 had never read a Secret, and the
  // first Job (whose envFrom names the dataset Secret) is unfamiliar_kind's at request 1.
  [A43.notebook]: 7,
  // Day 19 (docs/risk.md, "Day 19: what it found"), a data-team insider on their own laptop and
  // network within their passkey sign-in's 8 hours: the ETL's Secrets and ConfigMaps (the team's
  // namespaces, kinds and pace) are allowed; the `kubectl cp` out of the warehouse database pod
  // they run psql in every day, their first copy, is asked (request 4, unfamiliar_kind's pod_copy,
  // session 32; database_copy since session 46: the copy reaches /var/lib/postgresql), and an
  // insider answers it.
  'a data-team insider exports PHI: Secrets, ConfigMaps, `kubectl cp` out of the warehouse database pod': 4,
  // Day 22's runner token in the payments repository's environment was here (3: its Secret read)
  // until session 51: the site copy's namespace list per runner scale set (workday22.ts
  // RUNNER_NAMESPACES) asks its write, request 2, its first sensitive one (automation_step_up).
  // Day 22 on its site copy (session 49: prod-secret-updates enforced): the malware's request 1
  // is the victim's own read of the Secret they rotated that morning (their routine, allowed); the
  // patch of the attacker's key is request 2, asked a sign-in within 15 minutes (every seed both ways).
  "the PSP webhook's signing Secret swapped for the attacker's key, 40 minutes after the real rotation (payments laptop)": 2,
  // Day 21 without warm-up: the field engineer was asked at their carrier's first two /24s that
  // morning, so another subscriber of the same /16 passes (day 7's class); their Secret list is
  // allowed (with history it is their first Secret: unfamiliar_kind, request 2) and the
  // ManifestWork binding cluster-admin next is refused (rbac_cluster_admin_binding).
  "a field engineer's token used from another subscriber of the same carrier-grade NAT": 3,
  // Its first request lists the Secrets of the victim's own team namespace; the second is outside
  // the working set.
  'malware enumerating Secrets (via kubectl)': 2,
  // Secrets the victim reads every day, in the victim's own namespaces: machine pace at the 4th.
  'malware enumerating Secrets (via k9s)': 4,
  'exec fan-out (own namespace)': 4,
  'insider mass delete (own namespace)': 4,
  // Day 3: its first three Secrets are the victim's own team's, read by name at a person's pace
  // (one every 10 s, discovery calls between them); the fourth, outside the working set, is
  // refused. Request 16 is its fourth sensitive action.
  'malware with discovery between reads': 16,
  // Day 3: its execs go through every team's production namespace in a random order; when the
  // victim's own comes first, its two execs there are the victim's routine, the third is not.
  "exec fan-out at a person's pace": 3,
  // Day 5: its first three lists are the Secrets of the victim's own three namespaces (the
  // victim's routine); the fourth, within 20 s, is machine pace.
  'malware enumerating Secrets (via WSL kubectl)': 4,
  // Day 5: when the victim's own work has touched other services' production namespaces (seeds 32
  // and 33 with the warm-up day), its first two tar execs are in namespaces the victim works in;
  // the third (request 6) is refused.
  'kubectl cp out of production pods': 6,
  // Day 5: a platform engineer deletes stuck pods in every production namespace; their first
  // three Deployment deletes there are in their working set, the fourth within 20 s is machine
  // pace (then, signed in again, refused outright at the burst).
  'insider deletes production Deployments': 4,
  // Day 13: ten Nodes cordoned a second apart from the release lead's laptop; each is an object
  // for machine pace (a cordon takes capacity, engine.ts), so the fourth within 20 s is bound to a
  // sign-in after the run began. One or three cordons are routine node maintenance.
  'mass cordon of the game-server nodes (release laptop)': 4,
  // Day 12: its first request lists the release's records with Helm's own selector, which the
  // victim's `helm` does daily; the second, the record replaced by kubectl, is helm_release_edited.
  'Helm release record rewritten in production (dev laptop)': 2,
  // Day 7 (docs/risk.md, "Day 7"): a token taken from the victim's Codespace, used from a VM in
  // the same cloud region. The Codespace proved a network of that region's /16 on the warm-up day
  // and another this morning (a new VM each day), which makes the /16 known, as a phone's carrier
  // or a home's rotating IPv6 prefix does: the VM is a new address there, not a new network. Its
  // first Secret is the victim's own; the next, in another team's namespace, is refused.
  'Codespace token used from the same cloud region': 3,
  // Day 7: malware on the mover's laptop reads Secrets in other teams' production namespaces, one
  // every 40 s from 30 s after the mover's fresh sign-in. Each is first seen within
  // `unfamiliar_namespace.grace_seconds` after that sign-in, as the mover's own new namespaces
  // are, but one sign-in covers `grace_namespaces` (5) of them: a namespace of the mover's new
  // team and the malware's first four (its fourth request, prod-search, is in the mover's working
  // set); its fifth (request 6) needs a sign-in after it was first seen. 5 is the least that asks nothing more of routine work on any
  // replayed day, with or without the warm-up day (docs/risk.md, `unfamiliar_namespace`).
  'malware acting right after a fresh sign-in': 6,
  // Day 9 (docs/risk.md, "Day 9"): a token copied from the Starlink engineer, used from another
  // dish on the same POP's pool: a new address in the /16 the victim moves in all day, so no new
  // network; its first Secret is the victim's own team's, the next (another team's) is refused.
  "Starlink engineer's token used from Starlink's own pool": 3,
  // Day 10 (docs/risk.md, "Day 10"): a colleague on the company VPN with the victim's copied
  // token, from the VPN's own exits (the victim's networks all day) and the company's standard
  // Mac kubectl (the victim's agent), one request every 15 minutes in the victim's hours: its
  // first Secret is the victim's own team's; the next, another team's, is refused.
  'VPN colleague with a copied token, slowly': 3,
  // Day 11 (docs/risk.md, "Day 11"): a token sent home by an editor extension in the victim's
  // Gitpod workspace, used from the attacker's own workspace on the same Gitpod cluster: the same
  // NAT address, the workspace image's kubectl. Its first Secret is the victim's own team's; the
  // next, another team's, is refused (unfamiliar_namespace). Day 4's shared-NAT class.
  'Gitpod token used from another workspace behind the same NAT': 3,
  // Day 13 (docs/risk.md, "Day 13"): malware on the contractor's laptop, and on a red-teamer's,
  // reads first the Secret its victim reads every day in their own namespace (tools-staging, the
  // range); the next, a game's production namespace, is outside the working set and refused.
  "malware on a contractor's laptop, through the partner's VPN": 2,
  "red-teamer's laptop leaves the range for production": 2,
  // Day 18 (docs/risk.md, "Day 18"): the prompt-injected agent in the Codespace first reads the
  // Secret its engineer reads in their own staging namespace (the engineer's routine); the
  // ConfigMap written into kube-public next is refused (outside the working set, or the first
  // Secret of an engineer whose warm-up day read none).
  'a prompt-injected coding agent copies a Secret into a ConfigMap in kube-public (Codespace)': 2,
  // Day 26's just-in-time access request approved by the token that made it was here (3: the
  // granted namespace's Secrets) until session 51: the day's site copy (workday26.ts SITE) makes an
  // approval a sensitive action, and the claims laptop's first one is asked (request 2,
  // unfamiliar_namespace). risk-day26-findings.test.ts keeps the example's `it.fails`.
  // Day 30 (docs/risk.md, "Day 30: what it found"), an open finding, an `it.fails` in
  // risk-day30-findings.test.ts: another admin of the shared jump host takes over the DBA's
  // disconnected RDP session (`tscon`): the DBA's kubectl, token and the jump host's address, and a
  // shell in the SQL Server pod the DBA opens shells in every day (request 2, allowed); the first
  // Secret of a DBA who reads none is asked next (unfamiliar_kind). Without history, NOT_STOPPED_WITHOUT_HISTORY.
  "another admin of the shared jump host takes over the DBA's disconnected RDP session (tscon) at lunch": 3,
  // Day 35 (docs/risk.md, "Day 35: what it found"), an open finding, an `it.fails` in
  // risk-day35-findings.test.ts, every seed both ways: the token of a session the IdP revoked at
  // 10:00, through the victim's own VPN egress (its configuration stolen with the token), reads the
  // victim's own team's production Secrets (requests 2 and 3): the example has no `incident`
  // section, so stepgate never hears of the revocation. Billing's Secret next is unfamiliar_namespace.
  "dev-3's token of a session the IdP revoked at 10:00, through the VPN configuration the infostealer took (the VPN egress dev-3 works from): dev-3's own team's production Secret, then billing's": 4,
};

/**
 * Rows the example as shipped does not stop, by design (docs/risk.md, "Sessions replayed from
 * another device"): the signal that stops them is off by default because it challenges routine work.
 */
const NOT_STOPPED_BY_THE_EXAMPLE = new Set([
  'session replayed from another office device',
  // Day 49 (docs/risk.md, "Day 49: what it found"), open findings, \`it.fails\` in
  // risk-day49-findings.test.ts, every seed both ways: malware on a developer's laptop four minutes
  // after the morning's sign-in sets production's Deployment to a contributor's preview image (the
  // developer watched production at yesterday's release, and a fresh sign-in meets prod-writes'
  // 8 hours); and a Telepresence intercept of production from a developer's laptop, whose only
  // requests are the developer's daily port-forward to the traffic-manager and a read of the
  // Deployment (the traffic-manager's own account injects the agent).
  A49.promote,
  A49.intercept,
  // Day 46 (docs/risk.md, "Day 46: what it found"), open findings, \`it.fails\` in
  // risk-day46-findings.test.ts, every seed both ways: malware on a CI maintainer's laptop six
  // minutes after the maintainer's morning sign-in (their kubectl, token and home) points the
  // release-signing Task at a look-alike image and replaces the signing key Secret: the site's
  // registry list and its release rule ask two factors within 15 minutes and an hour, which that
  // sign-in meets; and an abandoned maintainer account revived through its e-mail's recovery, with
  // a fresh two-factor sign-in from a VPS: a subject with no history is a newcomer, and the
  // mirror's image and upload key are inside what a newcomer's fresh sign-in answers.
  A46.laptop,
  A46.abandoned,
  // Day 44's export run by hand to a look-alike bucket (A44.exportJob) was here until session 49:
  // data_upload_outside reads the exporter's `--out` against the site's upload_hosts.
  // Day 33 (docs/risk.md, "Day 33: what it found"), an open finding, an `it.fails` in
  // risk-day33-findings.test.ts: the plugin's cache directory (the device key and the token)
  // used with the certificate through the engineer's own home network (malware on the home NAS),
  // 40 minutes after the engineer's sign-in for the 8-hour freshness: device, network and agent
  // are the engineer's, and another team's production Secret and shell fall within that sign-in's
  // grace (unfamiliar_namespace.grace_seconds). Never stopped on seeds 312, 314 and 315 with the
  // warm-up day; 2 (policy) on 311 and 313; 3 (unfamiliar_namespace) without it. Day 27's malware class.
  "the device key AND the token, with the certificate, through the engineer's own home network (malware on the home NAS) after the engineer signed off",
  // Day 4 (docs/risk.md, "What is not stopped"): the request carries the victim's token, a user
  // agent like the victim's, from the victim's own network or one next to it.
  'session hijacked behind the office NAT (copied user agent)',
  "stolen token from the victim's home /24",
  "stolen token from the victim's mobile carrier",
  // Day 4: follow-the-sun working sets span every service, so its reads may never leave them.
  "low-and-slow malware at the victim's pace",
  // Day 5 (docs/risk.md, "Day 5"): a token phished at the hotel's captive portal minutes after the
  // victim's own sign-in there, used from the same hotel network with the victim's exact user
  // agent, in namespaces less than an hour after that sign-in: the victim's context in every part.
  'phished at the hotel, used from the hotel network',
  // Day 7 (docs/risk.md, "Day 7"): the victim approves the attacker's device code while both are
  // on the conference Wi-Fi (one NAT, proven by the victim's own sign-in there), and the
  // attacker's kubectl has the victim's OS: a new login, first used from the victim's network,
  // seconds after its authentication, with the victim's device fingerprint.
  'device-code phishing on the conference Wi-Fi',
  // Day 7: a token copied from a remote engineer's laptop, used by a contractor through the same
  // security-proxy egress /24 with kubectl on the same OS: the day 4 office-NAT row's class.
  'stolen token through the shared security proxy',
  // Day 7: the new starter approves the attacker's device code before their own first request:
  // the newcomer allowance (docs/risk.md, "Context-bound step-up") counts their first sign-in as
  // made wherever their first request comes from, and that request is the attacker's.
  "device-code phishing of a new starter's first login",
  // Day 9 (docs/risk.md, "Day 9"): on the shared Windows jump box a colleague uses the victim's
  // token from the victim's profile: the victim's address, kubectl build and token, reading the
  // victim's own team's production Secret and opening a shell there at a person's pace. Nothing
  // outside the box can tell the two people apart: the day 4 office-NAT row's class.
  "jump-box colleague with another engineer's token",
  // Day 9: malware on the data engineer's laptop creates a driver Pod in `data`, the namespace the
  // engineer submits Spark jobs to twice a day (each a Pod handed a Secret), that runs as the
  // namespace's `airflow` service account and is handed two Secrets the engineer never read. One
  // request, in the working set, two factors within 8 hours: what sets it apart (another service
  // account, other Secrets) is in the body, which no signal compares with the engineer's own.
  "malware submits a Spark driver with Airflow's connections (data laptop)",
  // Day 10: the release manager themself, signed in a minute before, scales checkout to zero in
  // all six regions through `/scale`, 1.5 s apart. A scale to zero asks what deleting the
  // Deployment asks (15 minutes, which a sign-in a minute old meets) and counts as a delete for
  // the burst and for machine pace: the fourth is asked for a sign-in (machine_pace), which the
  // insider gives. Six stay below destructive_burst's 12 in 300 s, which would refuse the 13th
  // (risk-redteam.test.ts); nothing refuses six from an insider who signs in.
  'insider scales every region to zero',
  // Day 11 (docs/risk.md, "Day 11: what it found"), open findings, each a test in
  // risk-day11-findings.test.ts that fails on main: from the victim's own laptop, network, client
  // and token, in the working set, within the rule's freshness.
  // (An init container handed payments-api's Secrets (envFrom) and posting them out, patched into
  // the production Deployment minutes after the on-call's own `kubectl set env`: stopped at
  // request 1 since session 45 by container_command_egress, `env | curl --data-binary @-`.)
  // Stopped since 2026-12-04 by guardrails (docs/guardrails.md): the token Secret minted through
  // the same secure web gateway (service_account_token_secret) and the gitRepo volume whose hooks
  // run on the node (git_repo_volume), each asked a hardware key at its first request. Secrets
  // listed in namespaces the team lead only ever looked at in k9s: stopped at request 1 since
  // unfamiliar_kind (the lead never read a Secret; the namespaces are in the working set).
  // Day 12 (docs/risk.md, "Day 12: what it found"), open findings, each an `it.fails` in
  // risk-day12-findings.test.ts. From the victim's own laptop, network, client and token, in the
  // working set, within the rule's freshness: a port-forward to the production primary an hour
  // after the on-call's own night page. (The ephemeral container whose command pipes the target's
  // token to nc: stopped at request 1 since session 45 by container_command_egress.)
  "port-forward to the production database at 04:10 Sydney (on-call's laptop)",
  // Two clusters behind one gateway: the working set is namespaces by name, so ledger-prod on
  // Sydney's cluster is the Dublin engineer's own ledger-prod.
  "Secrets on the other cluster with a Dublin engineer's token (home laptop)",
  // risk.trusted_networks (10.0.0.0/8) makes the other region's office no new network for anyone;
  // stopped at request 2 on seeds 101–103 only because the on-call's sign-in was 9 hours old
  // (policy); when the on-call had signed in again before the handover, allowed.
  "Sydney on-call's token used at the Dublin office during the handover",
  // The pairing partner with the host's copied token at their own desk: same office network,
  // same laptop model and kubectl build (day 4's office-NAT class).
  "pairing partner keeps using the host's token (own desk)",
  // Day 13 (docs/risk.md, "Day 13: what it found"), open findings, each an `it.fails` in
  // risk-day13-findings.test.ts, from the victim's own laptop, network, client and token, in the
  // working set, within the rule's freshness. Stopped since 2026-12-04 by guardrails: the launch's
  // top PriorityClass named in the contractor's dev namespace (priority_class_reserved) and the UGC
  // sandbox's runtimeClassName removed by a JSON patch (runtime_class_removed); by the engine: ten
  // Nodes cordoned a second apart (a cordon counts toward machine pace). The traffic-agent
  // container a JSON patch inserts into production's matchmaking was here until session 50:
  // container_added asks a sign-in within 15 minutes at request 2, its first sensitive action.
  // The hot desk: the previous shift's token, still in the machine's kubelogin cache, used at the
  // same machine (its address, its kubectl build) in the namespaces the desk works in, the token's
  // owner signed in again within 8 hours (a challenge during their shift): day 9's jump-box class.
  "hot desk: the previous shift's cached token (18:20)",
  "hot desk: the night shift's cached token at the 06:00 handover",
  // The migration engineer lists Deployments in every game's production namespace every day, so
  // the Secrets of those the migration does not move are in the working set (namespaces, not
  // kinds): day 11's "where the team lead only looks" class.
  'Secrets copied from namespaces the migration does not move (platform laptop)',
  // Day 14 (docs/risk.md, "Day 14: what it found"), open findings, each an `it.fails` in
  // risk-day14-findings.test.ts. Another person's session on a shared machine: the NLP postdoc's
  // Headlamp session in the graduate room workstation's one Firefox profile, and the bio RA's
  // kubelogin cache read on the login node, each used at the same machine, with the owner's
  // client, in the owner's namespaces, within the rule's freshness (day 9's jump-box class).
  "shared workstation: another user's open Headlamp session reads a lab's Secrets",
  'kubelogin cache read on the shared login node',
  // (Miner Jobs through the lab's queue from the student's own laptop, namespace, image and
  // queue: only the command differs, `curl … | sh`; stopped at request 1 since session 45 by
  // container_command_egress. Stopped since 2026-12-04 by a guardrail: NVIDIA_VISIBLE_DEVICES=all
  // in a container that requests no GPU, gpu_devices_unrequested.)
  // Day 15 (docs/risk.md, "Day 15: what it found"), open findings, each an `it.fails` in
  // risk-day15-findings.test.ts. The VDI farm: a token scraped from another user's roaming profile,
  // used from another session on the same farm (its NAT, its one kubectl build), in the victim's
  // namespaces (day 9's jump-box class). (The SOC analyst's, reading Secrets in a namespace the
  // analyst only ever listed: stopped at request 2 since unfamiliar_kind, every seed, both ways.)
  "VDI farm: a payments engineer's token scraped from the roaming profile, used from another session",
  // Reads no rule names (a ConfigMap, a pod, a Deployment, ReplicaSets): what makes them a Secret's
  // contents is in the response, which stepgate does not see.
  "auditor's read-only token: a ConfigMap, a pod's and a Deployment's inline env, old ReplicaSets",
  // A change ticket's window is not on the request: the challenge at its write is the 8-hour
  // freshness running out (the morning sign-in); the insider signs in and the change is allowed.
  "insider pushes a change to production outside the freeze's approved window",
  // Day 16 (docs/risk.md, "Day 16: what it found"), open findings, each an `it.fails` in
  // risk-day16-findings.test.ts. (Secrets read by a support engineer, bribed or through malware on
  // their laptop, in customer namespaces their tickets took them to: stopped at request 1 or 2
  // since unfamiliar_kind, every seed, both ways; the bribed insider signs in and reads on.)
  // Day 16's contractor after their access window, on a refreshed token, was here until session
  // 49: the site's copy writes each contractor's time box as an outside_hours deny rule (refused
  // at request 1 with the warm-up day; see HOLDS_THE_FACTOR below for why it is not listed there).
  // Day 17's production InferenceService's storageUri pointed at an outside bucket was here until
  // session 50: the site's copy lists its model stores (guardrails.model_sources) and
  // model_source_not_allowed asks the patch the strongest level within 5 minutes (request 2).
  // (GPU miners created at night in a namespace the ML engineer never used: a training job created
  // is no sensitive action, but its command downloads, unpacks and runs ./xmrig; stopped at its
  // first sensitive action since session 45 by container_command_egress.)
  // Day 18 (docs/risk.md, "Day 18: what it found"), open findings, each an `it.fails` in
  // risk-day18-findings.test.ts. A prompt-injected coding agent on the engineer's own laptop reads
  // a production Secret and port-forwards production's database: the engineer's kubectl, address,
  // login and namespaces (they read logs there every day), three sensitive objects in 3 s (under
  // machine pace's fourth): day 11's class, namespaces not kinds. Stopped at request 4 on one
  // seed of ten replays (seed 162 without warm-up: prod-api outside a working set begun that morning).
  'a prompt-injected coding agent reads Secrets and port-forwards the production database (laptop, README)',
  // The MSP engineer's `set image` to the lookalike registry was here until session 50: the day's
  // site copy lists the company's registries, and image_registry_not_allowed asks a sign-in within
  // 15 minutes at request 2, its first sensitive action (every seed both ways).
  // A token from the victim's Codespace used from another Codespace in the victim's Azure /16,
  // minutes after the victim's workspace resumed there and its sign-in proved a /24 of it
  // (nearby_networks.vouch_seconds) or in a /16 with two proven networks, in the victim's own
  // namespaces: day 7's class. Stopped at request 1 or 2 on two replays of ten.
  "a Codespace's token cache from a public dotfiles repository, used from another Codespace in the same /16",
  // Day 20 (docs/risk.md, "Day 20: what it found"), an open finding, an `it.fails` in
  // risk-day20-findings.test.ts. Malware on a mirrord user's laptop, minutes after the developer's
  // own mirrord session answered with their hardware key, creates an agent Job in the developer's
  // own dev namespace pinned to a production pod's node and aimed at its container id: the
  // guardrails ask what they asked of the developer's session (a hardware key within 5 minutes,
  // which it has); only the agent's command line names a container of another namespace.
  "a mirrord agent in the developer's own namespace aimed at a production pod's container, minutes after their own session (laptop)",
  // Day 21 (docs/risk.md, "Day 21: what it found"), an open finding, an `it.fails` in
  // risk-day21-findings.test.ts. Malware on a CNF engineer's laptop writes a
  // NetworkAttachmentDefinition whose macvlan master is the management VLAN's interface, in a
  // namespace where the engineer edits the N3 and N6 attachments every day: which VLAN is which is
  // the network's knowledge; attachments owned by the network team (SriovNetwork) and an
  // admission policy on masters are the answer.
  'a NetworkAttachmentDefinition bridging a pod into the management VLAN (CNF laptop)',
  // Day 22's PSP webhook key swapped 40 minutes after the real rotation was here until session 49:
  // the site's copy enforces prod-secret-updates (shadow in the example: day 3's hand rotations),
  // which asks the swap a sign-in malware cannot give (request 2, its first sensitive action).
  // Day 10's class: the insider, signed in when asked (prod-writes' 8 hours ran out at request 2),
  // sets checkout's HPA to one replica and scales three Deployments to zero: four changes, below
  // destructive_burst's count; nothing refuses an insider who signs in.
  'insider scales checkout to zero at the evening peak (HPA and Deployments)',
  // Day 23 (docs/risk.md, "Day 23: what it found"), open findings, each an `it.fails` in
  // risk-day23-findings.test.ts. A colleague on the shared bastion with tax-1's kubelogin cache:
  // the jump host's address and kubectl are everyone's, the token and the namespaces are tax-1's.
  "a colleague on the shared bastion using tax-1's kubelogin cache (same address, same kubectl)",
  // Velero's Restore of tax-prod into the pentest firm's sandbox and the ClusterIssuer repointed
  // in the change window were here until session 50: restore_namespace_moved (no list needed)
  // and issuer_endpoint_not_allowed (the site copy's certificate_authorities) ask the strongest
  // level within 5 minutes, which the drill's and the window's smart cards no longer are (request 2).
  // The Vault agent injector's annotations on a test Deployment naming production's secret path:
  // which Vault paths are whose is the site's knowledge (a cluster policy, Vault's own roles).
  "the Vault agent injector's annotations on benefits' test Deployment changed to render tax production's database secret",
  // Day 24 (docs/risk.md, "Day 24: what it found"), open findings, each an `it.fails` in
  // risk-day24-findings.test.ts, every seed both ways. (Closed in session 33: the POS vendor's
  // account at 23:29, vendor-support-hours; the CronJob retimed, scheduled_job_changed.)
  // The merchant key in a ConfigMap: a ConfigMap read is routine, and what it holds is in the response.
  "a ConfigMap holding the payment gateway's merchant key read in 25 stores (ops laptop malware)",
  // A port-forward to production's database from the DBA's laptop: pod-shell's 8 hours, their
  // working set (unfamiliar_kind's production_tunnel, not listed in the example, would ask it).
  "a port-forward to production's orders database with the DBA's token, and nothing else",
  // The payment image from another registry after the `can-i --list` sweep was here until session
  // 50: the day's site copy lists the chain's and the vendor's registries (request 6, its first
  // sensitive action, image_registry_not_allowed, every seed both ways).
  // Day 25 (docs/risk.md, "Day 25: what it found"), open findings, each an `it.fails` in
  // risk-day25-findings.test.ts, every seed both ways. (Closed in session 34 by the
  // cross_site_request guardrail: a web page's WebSocket and an image tag's GET through an
  // engineer's open `kubectl proxy`.) `helm get values` of the production wallet from a wallet
  // engineer's laptop: a Secret read in a namespace of the working set, Helm being theirs.
  "a Helm release's stored record read in production to recover the wallet's values (`helm get values`, wallet laptop)",
  // A pod create in trading's staging namespace is routine; which extended resources (an HSM
  // partition) are a namespace's own is the site's knowledge.
  "a pod in trading staging asking for an HSM partition on the signers' nodes (trading laptop)",
  // Day 25's CiliumNetworkPolicy opening the hot signers' egress was here until session 49: the
  // site's copy names custody-* in protected_namespaces, and network_policy_allow_all asks a recent
  // sign-in malware cannot give (request 2, its first sensitive action).
  // Day 29 (docs/risk.md, "Day 29: what it found"), open findings, each an `it.fails` in
  // risk-day29-findings.test.ts, every seed with history. A tenant of the coworking space calling
  // the engineer's exposed MCP server for production Secrets: the engineer's laptop, agent, token and
  // namespace, and Secrets are a kind they read (staging's). The on-call's kubectl-ai, told by a
  // line planted in the log it reads, opening a shell in the incident's production pod minutes
  // after the on-call's sign-in, then reading its Secrets. `production_secret_read` stops both
  // (request 1 and 3) on a site copy that lists it, at a price the example does not pay.
  "a tenant of the coworking space calls the engineer's MCP server, exposed on the Wi-Fi, for production Secrets",
  "a planted log line has the on-call's kubectl-ai exec into production and read its Secrets during the incident",
  // Day 30 (docs/risk.md, "Day 30: what it found"), an open finding, an `it.fails` in
  // risk-day30-findings.test.ts, every seed both ways. A Lens extension written after reading
  // docs/risk.md, reading Secrets through Lens only in the namespaces its engineer works in: their
  // laptop, network, Lens and token, and a kind they do (staging's database Secret).
  // `production_secret_read` stops it at request 1 (with history) on a site copy that lists it.
  "a malicious Lens extension reads Secrets through Lens on the engineer's own desktop, only in the namespaces they work in",
  // Day 35 (docs/risk.md, "Day 35: what it found"), open findings, `it.fails` in
  // risk-day35-findings.test.ts, every seed both ways. A guest invited by mistake into the IR group
  // (a look-alike of the firm's domain) with its own fresh two factors: a newcomer, whose sweep and
  // cluster-wide Secret list are the consultants' own (who are never asked either). Malware on the
  // platform engineer's laptop re-reading, at a person's pace with their hardware-key sign-in from
  // their home, the Secrets they rotated that morning: the rotation made them familiar.
  "a guest invitation sent in the rush to a look-alike of the IR firm's domain: the attacker's own genuine guest account, own two factors and network, sweeps as a consultant does, then reads Secrets",
  "malware on plat-1's laptop (home, plat-1's kubectl and hardware-key sign-in) re-reads the production Secrets plat-1 rotated that morning, one every 45 s",
  // Day 36 (docs/risk.md, "Day 36: what it found"), open findings, `it.fails` in
  // risk-day36-findings.test.ts. The handover insider (every seed both ways: asked at most, at the
  // 8-hour freshness or a namespace a fresh server had not seen them in, which they answer): an
  // on-call lists every production namespace's Secrets and ConfigMaps at a person's pace, in the
  // namespaces, kinds and hours of their own work. The supply-chain push (A36.supply) was here until
  // session 50: the day's site copy lists the company's registries with image_registry_not_allowed
  // at a hardware key, which the dependency's fresh two-factor sign-in cannot give (request 2, every
  // seed both ways; without warm-up 342, 344 and 345 are stopped at request 1 by ua_family_change as before).
  A36.insider,
  // Day 38 (docs/risk.md, "Day 38: what it found"), an open finding, an `it.fails` in
  // risk-day38-findings.test.ts: a malicious VS Code extension runs the kubeconfig's exec plugin on a
  // backend engineer's Mac and reads the store's production Secrets every 4 minutes with the
  // engineer's token, kubectl's agent and the war room's address: the namespace and the kind are the
  // engineer's own (`production_secret_read` is left out of the example), so three Secrets are read
  // before the fourth, in matchmaking's namespace, is asked (request 5, unfamiliar_namespace, every
  // seed both ways).
  A38.vscode,
  // Day 39's compromised customer IdP (A39.crossIssuer) was here until session 46: the site's copy
  // now holds each customer's issuer to its namespaces (match.issuers) and to aal2 (max_level), and
  // the forged engineer is refused at request 1 (HOLDS_THE_FACTOR below).
  // Day 41's vendor image swap (A41.imageSwap) was here until session 49: the site's copy lists its
  // registries and refuses another's image in cnf-* (HOLDS_THE_FACTOR below). Its mirror on the
  // UPF's N3 attachment (A41.mirror) was here until session 47: traffic_mirrored stops it at request 2.
  // Day 42 (docs/risk.md, "Day 42: what it found"), an open finding, an `it.fails` in
  // risk-day42-findings.test.ts, every seed both ways: malware on a data journalist's laptop patches
  // the results overrides ConfigMap with false numbers (a merge patch like the desk's own, within
  // prod-writes' 8 hours). The guest Wi-Fi's HPA ceiling cut (A42.guestWifi) was here until session
  // 48: with the site's floor (SITE, guardrails.replica_floors) capacity_below_floor stops it at
  // request 2.
  A42.falseNumbers,
  // Day 43's poisoned pipeline (A43.pipeline: a spec changed in the repository ships the compound
  // library out of the training step, `tar | curl --data-binary @-`, submitted by CI's own token)
  // was here until session 48: with the site's upload list (SITE, guardrails.upload_hosts)
  // data_upload_outside stops it at request 1.
]);


/**
 * Day 31 (docs/risk.md, "Day 31: what it found"): attacks on the sign-in itself, whose attacker
 * makes a fresh sign-in as the engineer with a factor they hold and answers every step-up it can
 * meet. A challenge does not stop them; the request by which a refusal they cannot answer must come
 * (both ways, every seed), or undefined where none comes (an open finding, an `it.fails` in
 * risk-day31-findings.test.ts).
 */
const HOLDS_THE_FACTOR: Record<string, number | undefined> = {
  // An approved Okta Verify push is two factors: kube-system's Secrets (request 2) need a hardware key.
  // With the warm-up day refused at request 1 since session 41 (assurance_downgrade: the engineer's
  // own kubectl agent no longer proves the laptop); without it nothing is proven to fall from.
  'push bombing: the platform engineer, woken at 02:00, approves the fifteenth Okta Verify push': 2,
  // A code where the engineer only ever used a key, from a network and a laptop both new
  // (assurance_downgrade): the hardware key is asked at request 1, which the caller's own Okta
  // Verify never answers. Before session 40: billing's production Secrets (2–4) were allowed.
  'a helpdesk MFA reset: the caller enrols their own authenticator and signs in as the engineer from a VPS': 1,
  // Open: the contractor's every day's factor (SMS), fresh, proves the attacker's network and laptop.
  "a SIM swap: the contractor's SMS codes on the attacker's phone, their own laptop and hotspot": undefined,
  // Open: the engineer's own key signs the attacker's device code; nothing in the token says where.
  "device-code phishing: the engineer enters the attacker's code and taps their key; the token goes to the attacker's VPS": undefined,
  // Day 35: a Temporary Access Pass (two factors, `acr: "phr"` under the IdP's new policy) for a
  // caller posing as an engineer who signs in with a hardware key since 12:30: assurance_downgrade
  // at request 1, which the pass can never answer (every seed both ways).
  "a caller posing as dev-4 ('the new policy locks me out, my key is at home') gets a Temporary Access Pass from the overloaded helpdesk and signs in with it (acr phr, amr mfa) from a residential proxy in Copenhagen": 1,
  // Day 38: the live-ops engineer approves a launch-night caller's pushes (their every day's factor,
  // so no assurance_downgrade): each ask (the caller's network and laptop, the store's namespace) is
  // one more approved push, and the store's production Secret and a shell there are read and opened
  // (open: an `it.fails` in risk-day38-findings.test.ts); the ClusterRoleBinding (request 4) asks a
  // hardware key, which a push never is (every seed both ways).
  [A38.vishing]: 4,
  // Day 39: the forged identity of a compromised customer IdP mints any level it likes and signs in
  // at will; since session 46 the site's copy holds Borealis' issuer to Borealis' namespaces
  // (borealis-own-namespaces, match.issuers): Acme's database is policy_deny at request 1.
  [A39.crossIssuer]: 1,
  // Day 42: a freelancer's temporary account the morning after, whose holder answers any ask: since
  // session 48 the site's copy dates its temporary accounts (access_windows, until 01:00 after the
  // night): access_window_closed at request 1, which no sign-in answers (every seed both ways).
  [A42.flAccount]: 1,
  // Session 49's site copies: the vendor's image swap in its own window refused in cnf-* (day 41,
  // image_registry_not_allowed: deny, request 2, the patch after helm's read); day 40's vendor
  // account after its Saturday window (access_windows, request 1). Each holder answers any ask;
  // only a refusal stops them (every seed both ways). Day 19's vendor (the support desk's cache, no
  // sign-in) is refused at request 1 by the site's outside_hours rule: expectAttacksStopped's bound.
  [A41.imageSwap]: 2,
  [A40.vendor]: 1,
  // Day 16's contractor after their time box (session 49's site copy) is not here: the replay's
  // row rides the kubelogin cache and never signs in, so, as day 19's vendor, it is held by
  // expectAttacksStopped's bound (request 1: policy_deny with the warm-up day, new_network without).
};

/**
 * Rows the example stops with the warm-up day's history but not on a freshly started server (the
 * replay without warm-up): the victim has no history there, so the newcomer allowance applies.
 */
const NOT_STOPPED_WITHOUT_HISTORY = new Set([
  // Day 45 (docs/risk.md, "Day 45: what it found"): the extension in the moderator's own Chrome; on
  // a fresh server the moderator's history is younger than unfamiliar_kind's 20 hours, and the
  // export bucket's Secret passes too (day 44's VDI neighbour's class).
  A45.extension,
  // Day 44 (docs/risk.md, "Day 44: what it found"): a VDI pool neighbour handed the developer's
  // desktop without a sign-out (the VDI's one address, kubectl, the developer's token), and the
  // PACS vendor's bastion session reused after the ticket closed within the contract's hours: with a
  // day of history each first Secret read is unfamiliar_kind's (request 1 and 2, every seed); on a
  // fresh server the history is too young for the signal, and the Secret and the database shell pass.
  A44.vdi,
  A44.vendor,
  // Day 42 (docs/risk.md, "Day 42: what it found"): the agency developer on sre-2's shared tmux reads
  // the results namespace's Secrets with sre-2's kubeconfig on the VM: with a day of history
  // unfamiliar_kind asks at request 1 (sre-2 never read a Secret); on a fresh server the Secrets,
  // the feed's Secret and a 30-day TokenRequest for the deployer pass on sre-2's key from 12:00.
  A42.tmux,
  // Day 37 (docs/risk.md, "Session 46"): malware on a DBA's laptop runs pg_dump in the ledger's
  // replica and pulls the dump out with kubectl cp, between the DBA's own copies: with a day of
  // history the dump is unfamiliar_kind's `database_copy` (request 2, every seed); on a fresh
  // server the history is too young for the signal, and the exec is pod-shell's 8 hours (asked on
  // 355 only, where the DBA's morning sign-in reached them by chance).
  A37.dump,
  // (Day 37's VDI session row, exempt here until session 46: on 354 without warm-up the replay's
  // auditor answered the fresh server's ask with two factors, which put the ledger's namespace in
  // a working set. Password-only auditors learn none: asked at request 2 every seed both ways.)
  // Day 36 (docs/risk.md, "Day 36: what it found"): dev-b2's unlocked laptop on the new hire's desk
  // reads payments' production Secret (request 2, unfamiliar_namespace, every seed with the warm-up
  // day and 341, 343, 344 without it). On 342 and 345 without warm-up, dev-b2 had answered an
  // unfamiliar_namespace ask of their own in the half hour before: the fresh sign-in's grace
  // (unfamiliar_namespace.grace_namespaces) covers payments-prod too (day 7's class).
  A36.desk,
  // Day 34 (docs/risk.md, "Day 34: what it found"): the next user of the audit firm's shared VDI
  // in a customer auditor's signed-in session lists production Secrets: unfamiliar_kind with a day
  // of history (request 2, every seed); on a fresh server the history is too young for it, and
  // unfamiliar_namespace stops it at 2 only where the namespace's first sighting came more than
  // the grace after the auditor's sign-in (seeds 321, 323, 325; not 322, 324).
  "the next user of the audit firm's shared VDI, in a customer auditor's still signed-in session, reads that customer's production Secrets",
  // Day 27 (docs/risk.md, "Day 27: what it found"): malware on the on-call's own managed laptop at
  // night (its certificate, its VPN address, its token) and a contractor's token on a colleague's
  // PC at the vendor's office (no certificate on either): the first Secret read is unfamiliar_kind
  // with a day of history (request 2); on a fresh server nothing is asked. Each an `it.fails` in
  // risk-day27-findings.test.ts.
  "malware on the on-call's managed laptop at night (its certificate, its VPN address, its token)",
  "a contractor's token copied to another machine on the contractor's network (no certificate on either)",
  // Day 24 (docs/risk.md, "Session 32: rows closed"): an exec of tar into a pod of a namespace the
  // ops engineer opens shells in every day: unfamiliar_kind's pod_copy (database_copy since session
  // 46: the data directory) with a day of history
  // (request 1); on a fresh server the history is too young for the signal.
  "kubectl cp (exec of tar) out of stores' loyalty database pods (ops laptop malware)",
  // Day 19: the data-team insider's `kubectl cp` out of the warehouse's database pod, the first copy
  // of an identity that runs psql there every day (unfamiliar_kind's database_copy, request 4, with a
  // day of history; LATE); an insider answers what is asked. On a fresh server, nothing is asked.
  'a data-team insider exports PHI: Secrets, ConfigMaps, `kubectl cp` out of the warehouse database pod',
  // Day 7: the on-leave engineer's history (two weeks old) is not on a fresh server.
  'phished while on leave (residential proxy)',
  // Day 18: the MSP engineer's Headlamp session used by another user of the shared Citrix farm, and
  // the staff engineer's replayed on the KubeCon Wi-Fi in a copy of their Chrome: with a day of
  // history, the first Secret of an identity that never read one (unfamiliar_kind, request 2); on
  // a fresh server the owner's address, client and namespaces are all there is (days 15's and 4's
  // classes). The second is stopped on two seeds of five there (unfamiliar_namespace).
  "another customer's user on the MSP's Citrix farm uses an MSP engineer's Headlamp session",
  "the staff engineer's Headlamp session replayed from another attendee's laptop (a copy of the victim's Chrome)",
  // Day 19's vendor after their access package (was here until session 49: the site's copy's
  // outside_hours rule refuses it at request 1 on a fresh server too).
  // Day 23: platform-1's token impersonating a tax engineer (every seed) and the SOC analyst's VDI
  // token (seed 215): with history, the first Secret of an identity that never read one
  // (unfamiliar_kind, request 2); on a fresh server, the platform engineer's (or analyst's) morning
  // had already entered the namespace.
  "platform-1's token on the bastion impersonating a tax engineer (--as) for tax-prod's database Secret and a shell",
  "a SOC analyst's token (a VDI desktop left signed in) reading production Secrets",
  // Day 22: the war room's observer through the IC's kubeconfig, the service proxy into payments'
  // admin port: with history, the IC's first proxy (unfamiliar_kind `proxy`, request 2, every
  // seed); on a fresh server the IC's history is that morning's reads (stopped at request 2 by
  // unfamiliar_namespace on seeds 201 and 205, where the IC had not entered prod-payments yet).
  "the war room's observer: the incident commander's kubeconfig on the wall-screen PC, used for the payments admin port through the service proxy",
  // Day 30: the jump host's RDP session taken over (LATE, 3 with history): on a fresh server the
  // DBA's history is younger than unfamiliar_kind's 20 hours, and their Secret reads are not asked.
  "another admin of the shared jump host takes over the DBA's disconnected RDP session (tscon) at lunch",
]);

/**
 * Day 4's routine friction the engine does not yet meet the target for (docs/risk.md, "Day 4"):
 * a second Secret, shell or helm release outside a working set learned over one warm-up day, hours
 * after the first was answered, is asked again. Such challenges are held to this many per engineer
 * instead of the 8-hour spacing; every other cause keeps the target.
 */
const OPEN_FRICTION: Record<string, { cause: string; max: number; who?: string[]; reason?: string }[]> = {
  // Day 48 (docs/risk.md, "Day 48: what it found"), every seed both ways: the platform engineers'
  // cluster-scoped Crossplane writes, each cluster-add-on-objects' hardware key within 15 minutes
  // (auth_too_old, policy): plat-1's Composition at 15:10, plat-2's provider package at 11:00, and
  // the on-call's pause and resume of the orders database's managed Instance at 02:34 and 02:58
  // (24 minutes apart, each more than 15 minutes after the sign-in before it).
  'day 48 (workday48.ts)': [
    { cause: 'policy', reason: 'auth_too_old', max: 1, who: ['d48-plat-1@haulwise.example', 'd48-plat-2@haulwise.example'] },
    { cause: 'policy', reason: 'auth_too_old', max: 2, who: ['d48-plat-3@haulwise.example'] },
  ],
  // Day 49 (docs/risk.md, "Day 49: what it found"), every seed both ways: the platform engineer's
  // morning \`kubectl delete namespace\` of three closed pull requests' previews is asked once per
  // namespace within a minute (preview-namespace-deletes: a preview outside the working set needs a
  // sign-in made after its first sighting, and each is seen first at its delete).
  'day 49 (workday49.ts)': [{ cause: 'context: unfamiliar_namespace', max: 3, who: ['d49-plat-1@tidewave.example'] }],
  // Day 47 (docs/risk.md, "Day 47: what it found"), every seed both ways: the 1.31 upgrade's
  // drains. Each Eviction is a write in a production namespace the platform engineers never work in
  // (prod-writes: sensitive for the working set), so the first eviction in each product namespace
  // more than the sign-in's grace after it is asked (unfamiliar_namespace): plat-1 2–3 times a day,
  // plat-2 1–2 times, within hours of each other.
  'day 47 (workday47.ts)': [
    { cause: 'context: unfamiliar_namespace', max: 3, who: ['d47-plat-1@finco.example'] },
    { cause: 'context: unfamiliar_namespace', max: 2, who: ['d47-plat-2@finco.example'] },
  ],
  // Day 46 (docs/risk.md, "Day 46: what it found"), with the warm-up day: lead-ber, at home on the
  // warm-up day, is asked at the summit hotel's Wi-Fi at breakfast and again at the venue's two
  // hours later (new_network, every seed); mir-1's sync Job run by hand in the mirror namespace
  // more than an hour after the sign-in is the site's own rule (release-and-mirror-writes, an
  // hour's max_age), asked up to twice a day (seeds 444, 445; once on 441–443).
  'day 46 (workday46.ts)': [
    { cause: 'context: new_network', max: 2, who: ['d46-lead-ber@openlattice.example'] },
    { cause: 'policy', reason: 'auth_too_old', max: 2, who: ['d46-mir-1@openlattice.example'] },
  ],
  // Day 44 (docs/risk.md, "Day 44: what it found"), every seed with the warm-up day: the
  // integration engineer's night cut-over from home is asked at 21:06 (new_network), and the MLLP
  // TLS Secret, their first Secret read, 12 minutes after that sign-in (unfamiliar_kind wants a
  // sign-in made after the read, no grace): asked twice within a quarter of an hour.
  'day 44 (workday44.ts)': [{ cause: 'context: unfamiliar_kind', max: 1, who: ['d44-int-1@stmarys-health.example'] }],
  // Day 27 (docs/risk.md, "Day 27: what it found"): the VPN's egress moves to a range never seen
  // at 11:00, and each managed laptop at home is asked once (new_network: its certificate is known,
  // but the example leaves risk.learn.certificate_roams off); ctl-3, whose laptop breaks at lunch,
  // is asked again on the replacement's first request (its sign-in came 100 s before the new
  // certificate's first sighting; without warm-up the office is also a network never proven for
  // them), and the on-call at home in the evening (seeds 254, 255) after the 8-hour freshness.
  'day 27 (workday27.ts)': [
    { cause: 'context: new_network', max: 2, who: ['d27-ctl-3@brandauer.example', 'd27-oncall@brandauer.example'] },
    { cause: 'context: new_device', max: 1, who: ['d27-ctl-3@brandauer.example'] },
  ],
  'day 4 (workday4.ts)': [{ cause: 'context: unfamiliar_namespace', max: 3 }],
  // Day 39 (docs/risk.md, "Day 39: what it found"), every seed: Acme's admin granting a new
  // developer `edit` in Acme's staging namespace is asked for a fresh sign-in each time, two
  // factors within 15 minutes (the site's customer-rbac-writes since session 46: Acme's IdP is
  // held to aal2, so the MSP's hardware-key rbac-writes is held to the MSP's issuers); before, a
  // hardware key (rbac-writes), and on 371 the 8-hour freshness followed within 8 hours.
  // eng-2's evening at home (19:24–19:35, every seed) is a network the warm-up day (the office only)
  // never proved; on 372 the 8-hour freshness at 16:53 came before it.
  // Day 40 (docs/risk.md, "Day 40: what it found"), every seed both ways: the upgrade lead of a
  // maintenance weekend taps the hardware key five times on Sunday: each wave's kubelet CSR
  // approvals two hours apart (cluster-control's 15 minutes), the 12:09 node-debug pod in `default`
  // (unfamiliar_namespace beside its guardrails) and the Gatekeeper webhook's re-creation at 14:59
  // (admission_config_change's 5 minutes).
  'day 40 (workday40.ts)': [
    { cause: 'policy', reason: 'auth_too_old', max: 3, who: ['d40-lead@kestrel.example'] },
    { cause: 'context: unfamiliar_namespace', max: 1, who: ['d40-lead@kestrel.example'] },
    { cause: 'guardrail: admission_config_change', max: 1, who: ['d40-lead@kestrel.example'] },
  ],
  // Day 41 (docs/risk.md, "Day 41: what it found"), every seed both ways: the CNF engineer's two
  // DPDK lab pods a day, server-side applied (a PATCH, which pod-edits' 15 minutes cannot tell from a
  // running Pod changed by hand; the replay names the pod's capability guardrails), and the vendor's
  // two helm upgrades half an hour apart in the 01:00 window (helm_release_edited's 15 minutes).
  // Day 42 (docs/risk.md, "Day 42: what it found"), seeds 402–405 both ways: the lead's venue sign-in
  // at 16:53–17:04, then the results namespace's ResourceQuota raised at 17:20 (quota-changes' 15
  // minutes asks again; on 401 the venue's sign-in was 11 minutes before).
  'day 42 (workday42.ts)': [{ cause: 'policy', reason: 'auth_too_old', max: 1, who: ['d42-lead@vpb.example'] }],
  // Day 43 (docs/risk.md, "Day 43: what it found"), every seed both ways: the platform engineer
  // resizes oncology's GPU quota for the screening campaign at 09:36 (a namespace they had not
  // written to: the warm-up day's resize was genomics'), and back at 16:12, past quota-changes' 15
  // minutes: asked twice within 8 hours (the second ask is the open one).
  // And since review50 (custom kinds' pod templates counted by accelerators_above_history): ml-1's
  // planned 16-GPU RayJob at 13:12, eight times the largest ask ml-1 made before (2), asks a sign-in
  // after it, 22 minutes after the one ml-1 made for its first Secret (unfamiliar_kind, 12:50):
  // asked twice within 8 hours on the warm seeds 411 and 415 (docs/risk.md, "Where the replayed
  // days stand now"). The signal as designed: a large jump in accelerators is what a miner with a
  // stolen token asks; the job is ml-1's own, the ask is the price.
  'day 43 (workday43.ts)': [
    { cause: 'policy', reason: 'auth_too_old', max: 1, who: ['d43-plat-1@helixa.example'] },
    { cause: 'context: accelerators_above_history', max: 1, who: ['d43-ml-1@helixa.example'] },
  ],
  'day 41 (workday41.ts)': [
    { cause: 'guardrail: capability_added+capability_beyond_baseline', max: 2, who: ['d41-cnf-2@halvard.example'] },
    { cause: 'guardrail: helm_release_edited', max: 2, who: ['d41-tse@cnfvendor.example'] },
  ],
  'day 39 (workday39.ts)': [
    { cause: 'policy', reason: 'auth_too_old', max: 2, who: ['d39-admin@acme-retail.example'] },
    { cause: 'context: new_network', max: 1, who: ['d39-eng-2@tidewater.example'] },
  ],
  // Day 31 (docs/risk.md, "Day 31: what it found"), seeds 291 and 295: dev-4's replaced phone's
  // tether is a carrier never seen; its NAT moves to the /16's second /24 17–18 minutes after the
  // sign-in that proved the first, past nearby_networks' 15 minutes, and is asked again (day 5's
  // hotspot class). With the warm-up day the first of the two is assurance_downgrade's since
  // session 41 (the laptop is known by its kubectl agent only: the key is asked, which dev-4 holds).
  'day 31 (workday31.ts)': [{ cause: 'context: new_network', max: 2, who: ['d31-dev-4@vekta.example'] }],
  // Day 33 (docs/risk.md, "Day 33: what it found"), every seed both ways: a proven device
  // certificate does not carry a login to a network never seen (risk.learn.certificate_roams off,
  // as docs/device-certificates.md says for a key in a file), so dev-4 is asked at the Porto hotel
  // and again at the conference venue; dev-2's replacement laptop is a new device, asked once.
  // plat-2's train and the on-call's tether, whose carrier NAT moved them to the /16's next /24
  // past nearby_networks' 15 minutes, are asked once since session 43 (risk.learn.certificate_nearby
  // in the example: the certificate carries the login that proved the first /24). certificate_roams
  // takes all of it away (35 → 12 challenges with the warm-up day over the five seeds), at the
  // price of the copied key (the infostealer row, request 1 → 2, and 3 without it).
  'day 33 (workday33.ts)': [
    { cause: 'context: new_network', max: 2, who: ['d33-dev-4@kestrel.example'] },
    { cause: 'context: new_device', max: 1, who: ['d33-dev-2@kestrel.example'] },
  ],
  // Day 34 (docs/risk.md, "Day 34: what it found"): oncall-a held the pager at home all of the
  // warm-up day and read no Secret: on the scored day the first Secret read is unfamiliar_kind
  // (07:32, every seed; since session 43 unfamiliar_namespace on seeds 321, 322 and 325, the same
  // one challenge: a customer cluster the on-call never worked in has no namespace grace), and the
  // office after lunch, within the morning's login, a network never proven for oncall-a
  // (new_network, every seed; unfamiliar_namespace between on seed 322, the second there).
  // eng-11's site visit on a phone's tether: its carrier NAT at its first /24 and its second
  // (seed 323: day 5's hotspot class).
  'day 34 (workday34.ts)': [
    { cause: 'context: new_network', max: 2, who: ['d34-oncall-a@halyard.example', 'd34-eng-11@halyard.example'] },
    { cause: 'context: unfamiliar_namespace', max: 2, who: ['d34-oncall-a@halyard.example'] },
  ],
  // Day 5 (docs/risk.md, "Day 5"): the same unfamiliar_namespace friction after a one-day
  // warm-up; and a login used from a network never seen needs a sign-in made after that network
  // first appeared, whoever holds it (that is what stops day 5's fresh tokens used elsewhere), so
  // the engineers whose day crosses several new networks within 8 hours are asked at each: the
  // traveller at the airport, on the plane and at the Lisbon office (3), the engineer who joins
  // the night incident from a hotel and the offsite from the venue (2), the on-call SRE on a phone
  // hotspot whose carrier NAT moves to a second /24 (2; 3 with the home they work from next day
  // when there is no warm-up day).
  'day 5 (workday5.ts)': [
    { cause: 'context: unfamiliar_namespace', max: 2 },
    { cause: 'context: new_network', max: 3, who: ['d5-traveller@example.net', 'd5-hotel@example.net', 'd5-oncall@example.net'] },
  ],
  // Day 7 (docs/risk.md, "Day 7"): the office turned IPv6 on over the weekend; its public prefix is
  // not among the example's trusted networks. Until 2026-12-04 each VLAN's /64 was a network of its
  // own, so the three engineers who go from their desk to the meeting-room Wi-Fi at 10:30 were
  // asked again there; an IPv6 network is now the /56 (risk.ipv6_prefix), and they are asked once,
  // for the office, like everyone else. Every `terraform plan` refreshes the six Secrets its module manages
  // within a second; they were read at Friday's plans, so Monday's are no machine pace (familiar
  // objects, risk.signals.machine_pace.familiar_seconds: 4 challenges before). The new starter, whose first
  // sign-in the device-code attacker used first, answers for their office network and then, on
  // seeds 52 and 53, for a namespace outside the working set begun that morning (1). The mover,
  // whose 12:58 sign-in the malware on their laptop used to enter other teams' namespaces first,
  // is asked at their own next new namespace that afternoon (1): that sign-in's grace
  // (`grace_namespaces`) is spent, and the challenge says so. Without the malware's requests the
  // mover is asked nothing more than before (bench: day 7 replayed without that attack).
  'day 7 (workday7.ts)': [
    { cause: 'context: unfamiliar_namespace', max: 1, who: ['d7-newstarter@example.io', 'd7-mover@example.io'] },
  ],
  // Day 9 (docs/risk.md, "Day 9"): `kubectl delete namespace pr-<n>` when a pull request is merged
  // asked a hardware key within 5 minutes until session 21 (guardrail delete_protected), on top of
  // the preview's first Helm install (its release-history Secret list in a namespace first seen
  // then, unfamiliar_namespace): the example now asks a preview's delete two factors within 8
  // hours (guardrails.namespaces, preview-namespace-deletes), so the preview engineers meet the
  // target with no exception (4 engineer-days in 5 seeds over it before). The platform engineer who rotates the
  // image-pull Secret in 25 namespaces by script, one namespace a second, is asked once, at the
  // loop's first Secret read (a kind of action new to them with the warm-up day: FIRST_SECRET_READ;
  // a namespace outside the working set without it); the loop then reaches machine pace and the
  // burst (sensitive_objects) seconds after that sign-in, which answered stepgate's own step-up
  // from the same network, device and client, so it is the run the sign-in was for (session 35:
  // asked three times within the minute before, for each count's crossing); the loop is one run,
  // resumed across pauses (machine_pace.resume_seconds: 7 machine-pace challenges before), and its
  // namespaces are its own (grace_namespaces does not count inside such a run: 4
  // unfamiliar_namespace challenges with the resume alone); never refused, since the
  // critical band answers to a sign-in from a proven context (docs/risk.md, "Behaviour from a
  // known context"; until session 16 it refused the rest of the loop, 38 times a seed);
  // the one who labels every namespace is asked for a hardware key at the Karpenter NodePool edit
  // (cluster-add-on-objects: a hardware key within the hour for a cluster-scoped custom object),
  // and twice at 14:30 for `kubectl label ns --all`: once for Namespace objects, a place outside
  // their working set (six times in two minutes until session 19, when each patched namespace was
  // one: one sign-in covers 5 namespaces new to the working set), and for a hardware key at
  // stepgate's own Namespace (gate-itself: within 5 minutes).
  'day 9 (workday9.ts)': [
    { cause: 'context: unfamiliar_namespace', max: 1, who: ['d9-platform-1@example.ie'] },
    { cause: 'policy', max: 2, who: ['d9-platform-1@example.ie'], reason: 'acr_insufficient' },
  ],
  // Day 10 (docs/risk.md, "Day 10"): day 4's class. An SRE whose warm-up day did not take them
  // into streaming-prod is asked at the Kafka incident's first shell there (10:25), and again,
  // hours later, at their next production namespace outside the working set (seed 85: sre-b at
  // 13:55). The 10:25 sign-in's grace (grace_seconds) is over by then.
  'day 10 (workday10.ts)': [{ cause: 'context: unfamiliar_namespace', max: 2, who: ['d10-sre-a@example.nl', 'd10-sre-b@example.nl'] }],
  // Day 13 (docs/risk.md, "Day 13"): the region migration's cut-over scales the old cluster's
  // Deployment to zero, one namespace at 09:30 and the next at 10:30; a scale to zero asks what
  // deleting the Deployment asks (a sign-in within 15 minutes), so each cut-over is a sign-in.
  'day 13 (workday13.ts)': [{ cause: 'policy', max: 2, who: ['d13-migration@ember.example'], reason: 'auth_too_old' }],
  // Day 14 (docs/risk.md, "Day 14"): the admin who creates the term's new accounts (`kubectl apply
  // --server-side -f accounts/`: each student's Namespace, ResourceQuota, LocalQueue and RoleBinding) is asked
  // twice within the minute: at the first ResourceQuota for a sign-in within 15 minutes
  // (quota-changes), answered with two factors, then at the first RoleBinding for a hardware key
  // (rbac-writes). The deadline student (seed 125), asked at 19:29 for the 8-hour freshness while
  // at home (their kubectl through the jump host, a trusted address), is asked again at 19:58 when
  // their browser first comes from home: the sign-in was made there, but the identity provider's
  // view of where is not stepgate's (docs/risk.md, "A first sighting taken before a captured sign-in").
  'day 14 (workday14.ts)': [
    { cause: 'policy', max: 2, who: ['d14-admin-1@uni.example'] },
    { cause: 'context: new_network', max: 1, who: ['d14-phd-nlp-1@uni.example'] },
  ],
  // Day 16 (docs/risk.md, "Day 16"): a SaaS cluster with a namespace per customer. An SRE's shell
  // in a customer's pod on an escalated ticket (and, at the launch, in a new customer's namespace
  // the tenant operator created that afternoon) is a Secret-grade action in a namespace outside
  // the working set: a different customer each time, so a sign-in each time once the morning
  // sign-in's hour of grace is over (day 4's class: unfamiliar_namespace learns namespaces, and
  // every customer is one). Up to 4 an SRE a day over the five seeds.
  'day 16 (workday16.ts)': [
    {
      cause: 'context: unfamiliar_namespace',
      max: 4,
      who: ['sre-lis-1', 'sre-lis-2', 'sre-lis-3', 'sre-tor-1', 'sre-tor-2', 'sre-tor-3', 'sre-sin-1', 'sre-sin-2'].map((n) => `d16-${n}@tenantly.example`),
    },
  ],
  // Day 18 (docs/risk.md, "Day 18"): a Codespace gets a new VM, and address (five times in six in
  // another Azure /16), each morning and again when it resumes after lunch's idle timeout. Its
  // kubelogin token is the laptop's login (the device code answered by the browser's session), a
  // sign-in older than the address's first sighting, so each is a network the login was never
  // proven on: two sign-ins a day for every Codespace engineer, every seed, both ways. A token from
  // another Codespace in the region looks the same (the attack above); a client certificate per
  // workspace, the device cookie, or workspaces with a fixed egress (the platform team's Coder
  // behind one NAT address is asked once, ever) would tell them apart. The night on-call's
  // phone hotspot moves to a second /24 of its carrier's /16 more than 15 minutes after the
  // page's sign-in (day 5's class).
  // Day 19 (docs/risk.md, "Day 19"): the security engineer's access review restores a returning
  // developer's RoleBinding at 10:10 and removes a departed contractor's at 15:30. rbac-writes asks
  // a hardware key within 15 minutes; the passkey sign-in (aal3 already) is hours old at each, so
  // each is a sign-in, five hours apart (the cause names the context the engine adds: the review's
  // namespaces are outside a working set of reads, or the policy's freshness alone).
  'day 19 (workday19.ts)': [
    { cause: 'context: unfamiliar_namespace', max: 2, who: ['d19-sec-1@caredock.example'] },
    { cause: 'band elevated: unfamiliar_namespace', max: 1, who: ['d19-sec-1@caredock.example'] },
    { cause: 'policy', max: 1, who: ['d19-sec-1@caredock.example'] },
  ],
  // Day 20 (docs/risk.md, "Day 20"): the open-source mirrord CLI creates its agent as a Job with
  // hostPID, the node's /run and /var and SYS_ADMIN, SYS_PTRACE, NET_RAW and NET_ADMIN, so each
  // session asks a hardware key within 5 minutes (host_namespace, host_path_volume,
  // capability_added): the four mirrord users are asked at every session more than 5 minutes
  // after their last, up to 7 times a day over the five seeds (5 on seed 181). Asking is right (the agent is the node's root); the
  // mirrord operator, which creates agents inside the cluster, is what takes it off developers'
  // laptops. The restore drill asks a hardware key at the Restore (backup-objects) and again 35
  // minutes later at `kubectl delete namespace drill-catalog` (delete_protected: a namespace's
  // delete asks a hardware key within 5 minutes; a guardrails.namespaces entry for drill
  // namespaces, as the example has for previews, would ask two factors there). The playback
  // developer who joins the 19:40 incident from a phone hotspot signs in there a minute before
  // their first request, which does not prove the hotspot's network (day 5's class), after the
  // 8-hour freshness asked at 16:54.
  'day 20 (workday20.ts)': [
    // control_plane_placement too since session 33: the agent names its node (nodeName), asked at the same requests.
    { cause: 'guardrail: host_namespace+host_path_volume+capability_added+capability_beyond_baseline+control_plane_placement', max: 6, who: ['dev-1', 'dev-5', 'dev-9', 'dev-13'].map((n) => `d20-${n}@streamly.example`) },
    { cause: 'guardrail: delete_protected', max: 1, who: ['d20-platform-2@streamly.example'] },
    { cause: 'context: new_network', max: 1, who: ['d20-dev-2@streamly.example'] },
  ],
  'day 18 (workday18.ts)': [
    { cause: 'context: new_network', max: 2, who: ['dev-1', 'dev-3', 'dev-5', 'dev-7', 'dev-9', 'dev-11', 'sre-1'].map((n) => `d18-${n}@forgeline.example`) },
  ],
  // Day 21 (docs/risk.md, "Day 21"): the hub's platform engineer who pushes linuxptp's privileged
  // DaemonSet to the canary clusters at 09:00 (a hardware key within 5 minutes) imports a new cell
  // site's cluster at 10:15: a ManagedCluster created is cluster-add-on-objects' hardware key
  // within 15 minutes, asked again (and the import Secret read 3 minutes later is their first
  // Secret: unfamiliar_kind, FIRST_SECRET_READ). Both are rare administration the example means
  // to ask for.
  'day 21 (workday21.ts)': [{ cause: 'policy', max: 1, who: ['d21-platform-1@nordwave.example'] }],
  // Day 24 (docs/risk.md, "Day 24"): the field technicians visit three stores a day, each on the
  // store's own broadband line, never proven for them; a login used from a network never seen
  // needs a sign-in made after it appeared (what stops the session carried to another store's
  // iPad), so each visit asks one: three in about five hours (day 5's traveller's class). A store
  // line proven on the warm-up day is not the next day's store. What would lift it: the stores'
  // lines listed for the site (trusted_networks, or a `stores` location whose sign-ins count), which
  // the chain knows and the example cannot.
  'day 24 (workday24.ts)': [
    { cause: 'context: new_network', max: 3, who: ['tech-1', 'tech-2', 'tech-3', 'tech-4'].map((n) => `d24-${n}@larder.example`) },
  ],
  // Day 36 (docs/risk.md, "Day 36: what it found"), every seed with the warm-up day: the traveller
  // is asked at BER's airport Wi-Fi, at the Madrid hotel and at the customer's guest network (day
  // 5's traveller's class): three networks never seen in about six hours. The hotel's is asked a
  // minute after the traveller's own fresh sign-in there: a sign-in made before a network's first
  // sighting does not prove it (what stops day 35's AiTM row), so the first sign-in of a sitting on
  // a new network costs two. The customer's is asked within the hotel's login, as a new network.
  'day 36 (workday36.ts)': [{ cause: 'context: new_network', max: 3, who: ['d36-se-1@tessaly.example'] }],
};

/**
 * unfamiliar_kind (docs/risk.md, "`unfamiliar_kind`"): an engineer whose one warm-up day read no
 * Secret and who reads one (or writes a workload handed one) on the scored day is asked once for
 * it, a day into their history, on top of the day's other challenge. Day 11's Istio upgrade
 * applies istiod (which mounts its CA Secret) seconds after the hardware-key sign-in the policy
 * asked, and is asked again; day 9's platform engineer in the same minute as the run's machine
 * pace. The lead decides whether the signal is on by default at this price (one warm-up day is the
 * worst case: a month of history knows more of what each engineer does).
 */
const FIRST_SECRET_READ: Record<string, string[]> = {
  'day 4 (workday4.ts)': ['d4-ber-1@example.io'],
  'day 5 (workday5.ts)': ['d5-offsite-1@example.net', 'd5-offsite-4@example.net', 'd5-dev-0@example.net'],
  'day 7 (workday7.ts)': ['d7-office-0@example.io'],
  'day 8 (workday8.ts)': ['d8-app-6@example.dev'],
  'day 9 (workday9.ts)': ['d9-platform-0@example.ie'],
  'day 11 (workday11.ts)': ['d11-istio@example.ca'],
  'day 16 (workday16.ts)': ['d16-data-3@tenantly.example'],
  // Day 17, seed 152: the researcher at the conference reads their team's object-storage Secret for
  // the first time at 10:06, two hours after the venue's Wi-Fi asked a sign-in (new_network).
  'day 17 (workday17.ts)': ['d17-researcher@meridian.example'],
  // Day 18, every seed: Codespace engineers whose warm-up day read no Secret (seed 161: dev-5 at
  // 09:52, dev-11 at 15:13), and the night on-call's first Secret in the day (seed 162).
  'day 18 (workday18.ts)': ['dev-1', 'dev-3', 'dev-5', 'dev-11', 'sre-1'].map((n) => `d18-${n}@forgeline.example`),
  // Day 21, every seed: the import Secret of the cell site's cluster the platform engineer imports.
  'day 21 (workday21.ts)': ['d21-platform-1@nordwave.example'],
};
for (const [day, who] of Object.entries(FIRST_SECRET_READ)) (OPEN_FRICTION[day] ??= []).push({ cause: 'context: unfamiliar_kind', max: 1, who });

/**
 * Engineers asked at their first copy out of a pod (`unfamiliar_kind`'s `pod_copy`, listed in the
 * example since session 32) on a day that had already asked them once: day 5, seed 34, the off-site
 * engineers' first `kubectl cp` of a profile, after the venue's network (docs/risk.md, "Session 32:
 * rows closed": 11 challenges and 2 engineer-days over, the price of day 24's and day 19's copies).
 */
const FIRST_COPY: Record<string, string[]> = {
  'day 5 (workday5.ts)': ['d5-offsite-0@example.net', 'd5-offsite-2@example.net'],
};
for (const [day, who] of Object.entries(FIRST_COPY)) (OPEN_FRICTION[day] ??= []).push({ cause: 'context: unfamiliar_kind', max: 1, who });

/**
 * Routine 403s the example does not yet avoid, held to this many per engineer; every other
 * engineer keeps "no 403". None now: day 9's Secret rotation (38 a seed until session 16) is asked
 * for sign-ins instead (OPEN_FRICTION).
 */
const OPEN_FORBIDDEN: Record<string, { cause: string; max: number; who: string[] }[]> = {};

/** Engineers whose every sign-in is one factor (day 10's intern, not enrolled yet): the replay cannot have them answer a challenge. */
const NO_SECOND_FACTOR = new Set(['d10-intern@example.nl']);

/**
 * Automation refused on routine work, an open finding per day (docs/risk.md says which and why),
 * held to the bound given; every other day's CI is never refused. Day 37 (seeds 351–355: 32–40 a
 * day): the Renovate bot's reads of Argo CD applications (18, auth_time_missing: an IdP
 * client-credentials token, which the example does not list in automation.subjects), the data
 * scientists' notebook kernels' exec into their own Spark drivers (automation_step_up, pod-shell)
 * and the nightly backup job's read of its credentials Secret (automation_step_up, secrets), where
 * the bank's mesh sends the data-lab and ops namespaces' API calls through the gateway.
 */
const OPEN_CI_REFUSED: Record<string, number> = {
  'day 37 (workday37.ts)': 40,
  // Day 39 (seeds 371–375: 299–304 a day): Prometheus' cAdvisor scrape of each node through the API
  // server's node proxy, every 5 minutes (288, the example's no-node-proxy deny), and the ticketing
  // bot's ticket annotation of a Deployment in a customer's production namespace (at most 24 a day,
  // automation_step_up: a production change).
  'day 39 (workday39.ts)': 312,
};

const DAY6_SEEDS = ((narrow && process.env.STEPGATE_DAY6_SEEDS) || '41,42,43,44,45').split(',').map(Number);
const DAY7_SEEDS = ((narrow && process.env.STEPGATE_DAY7_SEEDS) || '51,52,53,54,55').split(',').map(Number);
// Three of day 8's five seeds, to keep its cost to the suite near 40 s; bench/day-matrix.ts replays all five.
const DAY8_SEEDS = ((narrow && process.env.STEPGATE_DAY8_SEEDS) || '61,62,63').split(',').map(Number);
// One of day 9's five seeds (about 25 s of CPU, its Skaffold loops and VS Code's polling are 8,000
// Checks), and seed 71 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY9_SEEDS = ((narrow && process.env.STEPGATE_DAY9_SEEDS) || '71').split(',').map(Number);
// One of day 10's five seeds (about 10 s) and seed 81 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY10_SEEDS = ((narrow && process.env.STEPGATE_DAY10_SEEDS) || '81').split(',').map(Number);
// One of day 11's five seeds (about 5 s) and seed 91 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY11_SEEDS = ((narrow && process.env.STEPGATE_DAY11_SEEDS) || '91').split(',').map(Number);
// One of day 12's five seeds (about 12 s) and seed 101 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY12_SEEDS = ((narrow && process.env.STEPGATE_DAY12_SEEDS) || '101').split(',').map(Number);
// One of day 13's five seeds (about 10 s) and seed 111 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY13_SEEDS = ((narrow && process.env.STEPGATE_DAY13_SEEDS) || '111').split(',').map(Number);
// One of day 14's five seeds (about 5 s) and seed 121 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY14_SEEDS = ((narrow && process.env.STEPGATE_DAY14_SEEDS) || '121').split(',').map(Number);
// One of day 15's five seeds (about 10 s) and seed 131 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY15_SEEDS = ((narrow && process.env.STEPGATE_DAY15_SEEDS) || '131').split(',').map(Number);
// One of day 16's five seeds and seed 141 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY16_SEEDS = ((narrow && process.env.STEPGATE_DAY16_SEEDS) || '141').split(',').map(Number);
// One of day 17's five seeds (about 5 s) and seed 151 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY17_SEEDS = ((narrow && process.env.STEPGATE_DAY17_SEEDS) || '151').split(',').map(Number);
// One of day 18's five seeds (about 5 s) and seed 161 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY18_SEEDS = ((narrow && process.env.STEPGATE_DAY18_SEEDS) || '161').split(',').map(Number);
// One of day 19's five seeds and seed 171 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY19_SEEDS = ((narrow && process.env.STEPGATE_DAY19_SEEDS) || '171').split(',').map(Number);
// One of day 20's five seeds and seed 181 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY20_SEEDS = ((narrow && process.env.STEPGATE_DAY20_SEEDS) || '181').split(',').map(Number);
// One of day 21's five seeds and seed 191 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY21_SEEDS = ((narrow && process.env.STEPGATE_DAY21_SEEDS) || '191').split(',').map(Number);
// One of day 22's five seeds and seed 201 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY22_SEEDS = ((narrow && process.env.STEPGATE_DAY22_SEEDS) || '201').split(',').map(Number);
// One of day 23's five seeds (about 5 s) and seed 211 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY23_SEEDS = ((narrow && process.env.STEPGATE_DAY23_SEEDS) || '211').split(',').map(Number);
// One of day 24's five seeds (about 5 s) and seed 221 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY24_SEEDS = ((narrow && process.env.STEPGATE_DAY24_SEEDS) || '221').split(',').map(Number);
// One of day 25's five seeds (about 4 s) and seed 231 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY25_SEEDS = ((narrow && process.env.STEPGATE_DAY25_SEEDS) || '231').split(',').map(Number);
// One of day 26's five seeds (about 4 s) and seed 241 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY26_SEEDS = ((narrow && process.env.STEPGATE_DAY26_SEEDS) || '241').split(',').map(Number);
// One of day 27's five seeds (about 4 s) and seed 251 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY27_SEEDS = ((narrow && process.env.STEPGATE_DAY27_SEEDS) || '251').split(',').map(Number);
// One of day 28's five seeds (about 3 s) and seed 261 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY28_SEEDS = ((narrow && process.env.STEPGATE_DAY28_SEEDS) || '261').split(',').map(Number);
// One of day 29's five seeds (about 3 s) and seed 271 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY29_SEEDS = ((narrow && process.env.STEPGATE_DAY29_SEEDS) || '271').split(',').map(Number);
// One of day 30's five seeds (about 2 s) and seed 281 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY30_SEEDS = ((narrow && process.env.STEPGATE_DAY30_SEEDS) || '281').split(',').map(Number);
// One of day 31's five seeds (about 2 s) and seed 291 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY31_SEEDS = ((narrow && process.env.STEPGATE_DAY31_SEEDS) || '291').split(',').map(Number);
// One of day 32's five seeds (about 2 s) and seed 301 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY32_SEEDS = ((narrow && process.env.STEPGATE_DAY32_SEEDS) || '301').split(',').map(Number);
// One of day 33's five seeds (about 3 s) and seed 311 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY33_SEEDS = ((narrow && process.env.STEPGATE_DAY33_SEEDS) || '311').split(',').map(Number);
// One of day 34's five seeds (about 3 s) and seed 321 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY34_SEEDS = ((narrow && process.env.STEPGATE_DAY34_SEEDS) || '321').split(',').map(Number);
// One of day 35's five seeds (about 2 s) and seed 331 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY35_SEEDS = ((narrow && process.env.STEPGATE_DAY35_SEEDS) || '331').split(',').map(Number);
// One of day 36's five seeds (about 3 s) and seed 341 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY36_SEEDS = ((narrow && process.env.STEPGATE_DAY36_SEEDS) || '341').split(',').map(Number);
// One of day 37's five seeds (about 3 s) and seed 351 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY37_SEEDS = ((narrow && process.env.STEPGATE_DAY37_SEEDS) || '351').split(',').map(Number);
// One of day 38's five seeds (about 4 s) and seed 361 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY38_SEEDS = ((narrow && process.env.STEPGATE_DAY38_SEEDS) || '361').split(',').map(Number);
// One of day 39's five seeds (about 3 s) and seed 371 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY39_SEEDS = ((narrow && process.env.STEPGATE_DAY39_SEEDS) || '371').split(',').map(Number);
// One of day 40's five seeds (about 3 s) and seed 381 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY40_SEEDS = ((narrow && process.env.STEPGATE_DAY40_SEEDS) || '381').split(',').map(Number);
// One of day 41's five seeds (about 3 s) and seed 391 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY41_SEEDS = ((narrow && process.env.STEPGATE_DAY41_SEEDS) || '391').split(',').map(Number);
// One of day 42's five seeds (about 3 s) and seed 401 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY42_SEEDS = ((narrow && process.env.STEPGATE_DAY42_SEEDS) || '401').split(',').map(Number);
// One of day 43's five seeds (about 3 s) and seed 411 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY43_SEEDS = ((narrow && process.env.STEPGATE_DAY43_SEEDS) || '411').split(',').map(Number);
// One of day 44's five seeds (about 3 s) and seed 421 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY44_SEEDS = ((narrow && process.env.STEPGATE_DAY44_SEEDS) || '421').split(',').map(Number);
// One of day 45's five seeds (about 3 s) and seed 431 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY45_SEEDS = ((narrow && process.env.STEPGATE_DAY45_SEEDS) || '431').split(',').map(Number);
// One of day 46's five seeds (about 3 s) and seed 441 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY46_SEEDS = ((narrow && process.env.STEPGATE_DAY46_SEEDS) || '441').split(',').map(Number);
// One of day 47's five seeds (about 3 s) and seed 451 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY47_SEEDS = ((narrow && process.env.STEPGATE_DAY47_SEEDS) || '451').split(',').map(Number);
// One of day 48's five seeds (about 3 s) and seed 461 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY48_SEEDS = ((narrow && process.env.STEPGATE_DAY48_SEEDS) || '461').split(',').map(Number);
// One of day 49's five seeds (about 3 s) and seed 471 without warm-up; bench/day-matrix.ts replays all five both ways.
const DAY49_SEEDS = ((narrow && process.env.STEPGATE_DAY49_SEEDS) || '471').split(',').map(Number);
const days = ((narrow && process.env.STEPGATE_DAYS) || '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49').split(',');
const DAYS = ([
  ['day 1 (workday.ts)', workday, 20, seeds, {}],
  ['day 2 (workday2.ts)', workday2, 16, seeds, {}],
  // Day 3 has its own seeds: it is the day the engine was not built against.
  ['day 3 (workday3.ts)', workday3, 14, ((narrow && process.env.STEPGATE_DAY3_SEEDS) || '5,6,7,8,9').split(',').map(Number), {}],
  // Day 4 too; its identity provider is down from 11:00 to 11:20.
  ['day 4 (workday4.ts)', workday4, 19, ((narrow && process.env.STEPGATE_DAY4_SEEDS) || '21,22,23,24,25').split(',').map(Number), { idpDown: [D4_IDP_DOWN] }],
  // Day 5 too: written as an outsider would, after the engine (docs/risk.md, "Day 5").
  ['day 5 (workday5.ts)', workday5, 16, ((narrow && process.env.STEPGATE_DAY5_SEEDS) || '31,32,33,34,35').split(',').map(Number), {}],
  // Day 6 too: written as a red team would, after the engine (docs/risk.md, "Day 6").
  ['day 6 (workday6.ts)', workday6, 16, DAY6_SEEDS, {}],
  // Day 7 too: written as an outside tester would, after the engine (docs/risk.md, "Day 7"). The
  // on-leave engineer works neither day, so 21 of its 22 engineers are scored.
  ['day 7 (workday7.ts)', workday7, 21, DAY7_SEEDS, {}],
  // Day 8 too: written as a red team would against a mesh-fronted cluster (docs/risk.md, "Day 8").
  ['day 8 (workday8.ts)', workday8, 13, DAY8_SEEDS, {}],
  // Day 9 too: written as an outside tester would, preview environments and dev loops (docs/risk.md, "Day 9").
  ['day 9 (workday9.ts)', workday9, 17, DAY9_SEEDS, {}],
  // Day 10 too: written as an outside tester would, an Amsterdam and Bengaluru day (docs/risk.md, "Day 10").
  ['day 10 (workday10.ts)', workday10, 16, DAY10_SEEDS, {}],
  // Day 11 too: written as an outside red team would, a Toronto and Warsaw day after a long weekend (docs/risk.md, "Day 11").
  ['day 11 (workday11.ts)', workday11, 15, DAY11_SEEDS, {}],
  // Day 12 too: written as an outside red team would, a Sydney and Dublin day on two clusters behind one gateway (docs/risk.md, "Day 12").
  ['day 12 (workday12.ts)', workday12, 12, DAY12_SEEDS, {}],
  // Day 13 too: written as an outside red team would, a games studio's launch night, hot desks and an outsourcing partner (docs/risk.md, "Day 13").
  ['day 13 (workday13.ts)', workday13, 15, DAY13_SEEDS, {}],
  // Day 14 too: written as an outside red team would, a university's research cluster on the first day of term and a deadline night (docs/risk.md, "Day 14").
  ['day 14 (workday14.ts)', workday14, 14, DAY14_SEEDS, {}],
  // Day 15 too: written as an outside red team would, a bank's platform and payments teams on PAWs and a shared VDI farm (docs/risk.md, "Day 15").
  ['day 15 (workday15.ts)', workday15, 25, DAY15_SEEDS, {}],
  // Day 16 too: written as an outside red team would, a SaaS company's multi-tenant cluster on a launch day; a site copy with the contractors' time boxes as outside_hours rules since session 49 (docs/risk.md, "Day 16").
  ['day 16 (workday16.ts)', workday16, 23, DAY16_SEEDS, { site: D16_SITE }],
  // Day 17 too: written as an outside red team would, an ML and data platform's notebooks, pipelines and GPU pools; a site copy listing its model stores in guardrails.model_sources since session 50 (docs/risk.md, "Day 17").
  ['day 17 (workday17.ts)', workday17, 20, DAY17_SEEDS, { site: D17_SITE }],
  // Day 18 too: written as an outside red team would, a developer-tools company's Codespaces, coding agents, an MSP's Citrix farm and KubeCon (docs/risk.md, "Day 18").
  ['day 18 (workday18.ts)', workday18, 23, DAY18_SEEDS, { site: D18_SITE }],
  // Day 19 too: written as an outside red team would, a passwordless healthcare company's PHI namespaces, a vendor and a break-glass account (docs/risk.md, "Day 19").
  ['day 19 (workday19.ts)', workday19, 19, DAY19_SEEDS, { site: D19_SITE }],
  // Day 20 too: written as an outside red team would, a streaming company's follow-the-sun SREs, a chaos game day, mirrord and Karpenter (docs/risk.md, "Day 20").
  ['day 20 (workday20.ts)', workday20, 23, DAY20_SEEDS, {}],
  // Day 21 too: written as an outside red team would, a telecom operator's hub of edge clusters (OCM, Karmada, Argo CD), its CNFs, NOC, field engineers and a vendor (docs/risk.md, "Day 21").
  ['day 21 (workday21.ts)', workday21, 17, DAY21_SEEDS, {}],
  // Day 22 too: written as an outside red team would, an e-commerce company's Black Friday on a tailnet, Windows laptops, Lens, WSL2, self-hosted runners, KEDA and a war room; a site copy with prod-secret-updates enforced since session 49 (docs/risk.md, "Day 22").
  ['day 22 (workday22.ts)', workday22, 13, DAY22_SEEDS, { site: D22_SITE }],
  // Day 23 too: written as an outside red team would, a statistics agency's cluster behind a shared bastion host, PIV admins, a change window, a SOC, Velero, cert-manager and Vault's injector; a site copy listing its certificate authorities in guardrails.certificate_authorities since session 50 (docs/risk.md, "Day 23").
  ['day 23 (workday23.ts)', workday23, 13, DAY23_SEEDS, { site: D23_SITE }],
  // Day 24 too: written as an outside red team would, a grocery chain's store clusters behind one Rancher, field technicians on iPads, a POS vendor and a break-glass night (docs/risk.md, "Day 24").
  ['day 24 (workday24.ts)', workday24, 11, DAY24_SEEDS, { site: D24_SITE }],
  // Day 25 too: written as an outside red team would, a crypto exchange's wallet and trading teams, hot signers on HSM nodes behind a four-eyes webhook, a 24/7 on-call and `kubectl proxy` on laptops; a site copy naming custody-* protected since session 49 (docs/risk.md, "Day 25").
  ['day 25 (workday25.ts)', workday25, 11, DAY25_SEEDS, { site: D25_SITE }],
  // Day 26 too: written as an outside red team would, an insurer after a merger: the merged company's engineers and their identity cut-over, IRSA, a just-in-time access broker and a vendor; a site copy whose access approvals are sensitive since session 51 (docs/risk.md, "Day 26").
  ['day 26 (workday26.ts)', workday26, 11, DAY26_SEEDS, { site: D26_SITE }],
  // Day 27 too: written as an outside red team would, a car-parts maker whose managed laptops present device client certificates, shared shop-floor thin clients, unmanaged contractors and a VPN that moves (docs/risk.md, "Day 27").
  ['day 27 (workday27.ts)', workday27, 12, DAY27_SEEDS, {}],
  // Day 28 too: written as an outside red team would, a travel agency whose engineers reach the gateway through an identity-aware access proxy while the VPN and CI reach it directly; a site copy of the example that lists the proxy's pods in network.xff_trusted_cidrs (docs/risk.md, "Day 28").
  ['day 28 (workday28.ts)', workday28, 11, DAY28_SEEDS, { site: D28_SITE }],
  // Day 29 too: written as an outside red team would, AI agents on engineers' laptops (kubectl-ai, the Kubernetes MCP server) and sign-ins through the credential plugin that name the ask it chose (docs/risk.md, "Day 29").
  ['day 29 (workday29.ts)', workday29, 10, DAY29_SEEDS, { plugin: d29Plugin }],
  // Day 30 too: written as an outside red team would, a .NET shop's Windows desktop clients (Lens, Headlamp, Aptakube, kubectl in PowerShell and WSL sharing one token), an iPhone client over cellular and kubelogin beside stepgate's plugin (docs/risk.md, "Day 30").
  ['day 30 (workday30.ts)', workday30, 9, DAY30_SEEDS, { plugin: d30Plugin }],
  // Day 31 too: written as an outside red team would, attacks on the sign-in itself (a helpdesk MFA reset, push bombing, a SIM swap, device-code phishing, an AiTM proxy, a stolen IdP cookie) at a company on Okta with hardware keys (docs/risk.md, "Day 31").
  ['day 31 (workday31.ts)', workday31, 12, DAY31_SEEDS, {}],
  // Day 32 too: written as an outside red team would, the day a company moves from Keycloak to Entra ID (both issuers configured, waves, the old context kept for an hour, tokens of either IdP stolen in the migration's noise); a site copy of the example with the second issuer and its issuers[].history_of (docs/risk.md, "Day 32").
  ['day 32 (workday32.ts)', workday32, 12, DAY32_SEEDS, { site: D32_SITE }],
  // Day 33 too: written as an outside red team would, unmanaged laptops whose kubectl presents a stepgate device certificate (device_certificates), engineers who move (a train, a café, a hotel and a conference, a tether), a renewal and a replaced laptop; a site copy of the example with the company's IdP (docs/risk.md, "Day 33").
  ['day 33 (workday33.ts)', workday33, 9, DAY33_SEEDS, { site: D33_SITE }],
  // Day 34 too: written as an outside red team would, a managed-service provider's six customer clusters behind one gateway (one host each, colliding namespace names), a rotating on-call, a break-glass checkout, a contractor's hours, customers' auditors and engineers; a site copy of the example with kubernetes.clusters (docs/risk.md, "Day 34").
  ['day 34 (workday34.ts)', workday34, 17, DAY34_SEEDS, { site: D34_SITE }],
  // Day 35 too: written as an outside red team would, a company during its own security incident (an infostealer on a laptop, isolated; the IdP revoking every session at 10:00; a secret rotation; incident responders' guest accounts; the IdP's policy tightened at 12:30 to phishing-resistant factors with a new acr), the example as shipped (docs/risk.md, "Day 35").
  ['day 35 (workday35.ts)', workday35, 12, DAY35_SEEDS, {}],
  // Day 36 too: written as an outside red team would, one on-call rotation across Pune, Berlin and New York (two handovers), a traveller (airport, hotel, a customer's guest network), a laptop replaced mid-day, a new hire's first afternoon, an Argo CD release train and Headlamp beside kubectl, the example as shipped (docs/risk.md, "Day 36").
  ['day 36 (workday36.ts)', workday36, 13, DAY36_SEEDS, { site: D36_SITE }],
  // Day 37 too: written as an outside red team would, a regulated bank's quarter-end: auditors with aal1 accounts on a VDI farm, a break-glass account at a 03:00 outage, DBAs' port-forward and kubectl cp all day, notebooks exec'ing with their service account, nightly CronJobs, a Renovate bot; the example as shipped (docs/risk.md, "Day 37").
  ['day 37 (workday37.ts)', workday37, 12, DAY37_SEEDS, {}],
  // Day 38 too: written as an outside red team would, a game studio's launch across three regions: a war room on one office address that half leaves at night, a partner's QA team behind its shared VPN egress, WSL and PowerShell kubectl on one token, k9s, Lens, Rancher's dashboard, ARC runners, KEDA, a 02:00 hotfix and a helm rollback; the example as shipped (docs/risk.md, "Day 38").
  ['day 38 (workday38.ts)', workday38, 15, DAY38_SEEDS, {}],
  // Day 39 too: written as an outside red team would, an MSP's shared cluster with two customers' IdPs federated as issuers, MSP engineers' tickets across customers' namespaces, a patch window's drains, a customer's night break-fix, Prometheus' node proxy and a ticketing bot; a site copy of the example with the customers' issuers, each held to aal2 and its own namespaces since session 46 (docs/risk.md, "Day 39").
  ['day 39 (workday39.ts)', workday39, 10, DAY39_SEEDS, { site: D39_SITE }],
  // Day 40 too: written as an outside red team would, a platform team's maintenance weekend on a self-managed kubeadm cluster (1.34 → 1.35: etcd snapshots, the Gatekeeper webhook deleted and re-created, CSR approvals, drains in waves, a pool rolled back, a CRD storage-version migration, deprecated manifests re-applied, a vendor's screen-share, on-call at home, developers on Sunday evening); the example as shipped (docs/risk.md, "Day 40").
  ['day 40 (workday40.ts)', workday40, 9, DAY40_SEEDS, { site: D40_SITE }],
  // Day 41 too: written as an outside red team would, a mobile operator's 5G core on an edge cluster: admins checking RBAC by impersonation, a 24/7 NOC in shifts, field engineers on CGNAT that moves every hour, Multus and SR-IOV attachments, DPDK lab pods, a vendor's CNF upgrade at 01:00 and a lawful-intercept namespace; a site copy of the example with the regulator's rule for it (docs/risk.md, "Day 41").
  ['day 41 (workday41.ts)', workday41, 13, DAY41_SEEDS, { site: D41_SITE }],
  // Day 42 too: written as an outside red team would, a public broadcaster's election night: data journalists flipping feature flags and results overrides in ConfigMaps, freelancers and a partner agency on temporary accounts, a war room on the venue's guest Wi-Fi, a shared tmux on a cloud VM, HPA ceilings raised and a burst node pool, CDN purges as Jobs; a site copy naming the broadcaster's hostnames in host_owners (docs/risk.md, "Day 42").
  ['day 42 (workday42.ts)', workday42, 13, DAY42_SEEDS, { site: D42_SITE }],
  // Day 43 too: written as an outside red team would, a drug-discovery company's ML platform: Kubeflow profiles per research team, notebooks holding the profile's token and a data scientist's own, TensorBoard port-forwards, GPU quotas resized for a screening campaign, nightly pipelines from CI, a contract lab in Hyderabad; a site copy naming its Kubeflow dashboard's host in kubeflow-profile-access (docs/risk.md, "Day 43").
  ['day 43 (workday43.ts)', workday43, 12, DAY43_SEEDS, { site: D43_SITE }],
  // Day 44 too: written as an outside red team would, a hospital group's clinical platform: production and a DR standby in kubernetes.clusters, a quarterly DR test, developers and nurses on one VDI pool's address, an HL7 cut-over at night from home, a PACS vendor through the bastion, the break-glass account while the IdP's federation is degraded; a site copy naming its clusters and its vendor's contract hours (docs/risk.md, "Day 44").
  ['day 44 (workday44.ts)', workday44, 13, DAY44_SEEDS, { site: D44_SITE }],
  // Day 45 too: written as an outside red team would, a game studio's live-ops the day after a season launch, follow-the-sun between Montréal and Seoul: Agones Fleets, GameServers and FleetAutoscalers scaled by hand, a build farm pushing a staging image every 8 minutes, anti-cheat engineers reading players' session-key Secrets, moderators on a web tool behind the gateway, a 03:00 hotfix; a site copy with the arena Fleets' replica_floors and the QA contractor's access_windows (docs/risk.md, "Day 45").
  ['day 45 (workday45.ts)', workday45, 12, DAY45_SEEDS, { site: D45_SITE }],
  // Day 46 too: written as an outside red team would, an open-source foundation's community infrastructure run by volunteers on personal devices in eight time zones (Prow, Tekton CI and the signing release pipeline, a package mirror, docs previews): three maintainers at the foundation's summit on one venue Wi-Fi, an iPad approving the release on a carrier's CGNAT, a phone, distributions' kubectl builds, a maintainer who signs in once a month, a release bot and a preview deployer; a site copy asking people's writes in the release and mirror namespaces for two factors within the hour, the Tekton Dashboard's host in kubernetes.hosts and the foundation's registries (docs/risk.md, "Day 46").
  ['day 46 (workday46.ts)', workday46, 13, DAY46_SEEDS, { site: D46_SITE }],
  // Day 47 too: written as an outside red team would, a card-payments fintech on the Monday after a reorganisation (teams merged, IdP groups renamed at 09:00 so tokens carry old and new names, two engineers moved teams, an intern's first week at a coffee shop's Wi-Fi), a 1.30 to 1.31 upgrade in a war room (kubectl changing mid-day, flowcontrol v1, autoscaling/v2, drains), an external pentest firm's account in a dated window, GitHub Actions OIDC deploying to staging; a site copy with GitHub's issuer as automation and its runner group's egress trusted, the pentest account's access window and scope rule, Headlamp's host (docs/risk.md, "Day 47").
  ['day 47 (workday47.ts)', workday47, 14, DAY47_SEEDS, { site: D47_SITE }],
  // Day 48 too: written as an outside red team would, a platform team that runs its cloud infrastructure as Kubernetes resources (Crossplane claims and Compositions over Upbound's provider-aws, ACK Buckets, security groups, IAM Roles and KMS Keys in the teams' namespaces, External Secrets through one ClusterSecretStore), Backstage's scaffolder creating dev namespaces and claims, two engineers travelling, an on-call paged at 02:10 for the orders database; a site copy adding ACK's KMS group to cloud-identity-objects and its claims to prod-durable-deletes (docs/risk.md, "Day 48").
  ['day 48 (workday48.ts)', workday48, 9, DAY48_SEEDS, { site: D48_SITE }],
  // Day 49 too: written as an outside red team would, a SaaS company's ephemeral preview environments (a namespace per pull request made by a bot, a vcluster preview and its syncer, Telepresence, devspace and vcluster connect from laptops, developers in production only at the release, a release manager, kube-bench and trivy-operator, an outside contributor's preview); the example as shipped (docs/risk.md, "Day 49").
  ['day 49 (workday49.ts)', workday49, 9, DAY49_SEEDS, {}],
] as [string, (seed: number) => DayEvent[], number, number[], ReplayOptions][]);

const EIGHT_HOURS = 8 * 3_600_000;

/** No 403 on routine work, except OPEN_FORBIDDEN's, each held to its bound. */
function expectForbidden(dayName: string, e: DayReport['engineers'][number]): void {
  const open = (OPEN_FORBIDDEN[dayName] ?? []).filter((o) => o.who.includes(e.name));
  const refused = e.causes.filter((c) => !/^(acr_insufficient|auth_too_old|auth_time_missing) /.test(c));
  expect(refused.length, `${e.name}: ${e.causes.join('; ')}`).toBe(e.forbidden);
  const unexplained = refused.filter((c) => !open.some((o) => c.startsWith(o.cause)));
  expect(unexplained, e.name).toEqual([]);
  for (const o of open) expect(refused.filter((c) => c.startsWith(o.cause)).length, `${e.name}: ${e.causes.join('; ')}`).toBeLessThanOrEqual(o.max);
}

function expectAttacksStopped(report: DayReport, withoutHistory = false): void {
  for (const a of report.attacks) {
    if (NOT_STOPPED_BY_THE_EXAMPLE.has(a.attack)) continue;
    if (withoutHistory && NOT_STOPPED_WITHOUT_HISTORY.has(a.attack)) continue;
    expect(a.stoppedAt, `${a.attack}: not stopped`).toBeDefined();
    const bound = LATE[a.attack] ?? a.firstSensitive;
    expect(a.stoppedAt, `${a.attack}: ${a.reason} ${a.cause}`).toBeLessThanOrEqual(bound);
  }
  // Day 31's attackers who hold the engineer's factor answer every challenge their factor can:
  // what stops them is a refusal they cannot answer (a deny, or a level their factor cannot reach).
  for (const a of report.attacks) {
    if (!(a.attack in HOLDS_THE_FACTOR)) continue;
    const bound = HOLDS_THE_FACTOR[a.attack];
    if (bound === undefined) continue;
    expect(a.deniedAt, `${a.attack}: never refused past a challenge`).toBeDefined();
    expect(a.deniedAt!, `${a.attack}: ${a.deniedBy}`).toBeLessThanOrEqual(bound);
  }
  // The insiders can sign in: a burst of deletes is then refused outright.
  for (const a of report.attacks.filter((x) => x.attack.startsWith('insider') && !NOT_STOPPED_BY_THE_EXAMPLE.has(x.attack))) {
    expect(a.deniedAt, a.attack).toBeDefined();
    expect(a.deniedBy, a.attack).toContain('risk_deny');
    expect(a.deniedAt!, a.attack).toBeLessThanOrEqual(13);
  }
}

/**
 * Without a warm-up day: the scored day alone on a freshly started server, as an outside replay
 * against a new stepgate would be. stepgate learns only from proof, so on that first day each
 * context an engineer moves into (a second network within one login, a namespace outside the
 * working set begun that morning, more than `grace_seconds` after the sign-in) costs a sign-in
 * once; that is friction the target does not allow on a day with history, and the bound here is
 * what the engine reaches (docs/risk.md, "Without a warm-up day"). The attacks are held to the
 * same bounds as with history.
 */
/**
 * What the engine reaches without a warm-up day (bench/day-matrix.ts --no-warmup, docs/risk.md
 * "Without a warm-up day"). Day 1: its engineers stay within the day's target. Day 4: a
 * follow-the-sun team moving through every service's namespaces is asked up to three times: 33
 * challenges, 31 before `nearby_networks.min_networks: 2`, which asks a phone on carrier NAT at
 * its first move inside the carrier's /16 (so that a jump host's /16 is never "nearby").
 */
const COLD_BOUND_DAY1 = { perEngineer: 1, within8h: 0, total: 15 };
const COLD_BOUND_DAY4 = { perEngineer: 3, within8h: 11, total: 33 };
/**
 * Day 5 without warm-up: the moves of the traveller, the hotel and the hotspot as with history, and
 * every engineer's first departures from a working set begun that morning (unfamiliar_namespace:
 * 14 of the 26), the platform team's upgrade across every namespace among them. The traveller is
 * asked 4 times (airport, plane, Lisbon, a namespace).
 */
const COLD_BOUND_DAY5 = { perEngineer: 4, within8h: 9, total: 26 };

/**
 * Day 6 without warm-up, every seed: the roamer's café and coworking space are both new (2
 * `new_network`, by design as on day 5), the phone tether is new, and the first departures from
 * working sets begun that morning (`unfamiliar_namespace`, 6–11 a seed: the release manager's
 * production namespaces, the helm user's, the tail's) come on top; 11–16 challenges a seed, at
 * most 2 per engineer, 2–4 engineers asked twice within 8 hours.
 */
const COLD_BOUND_DAY6 = { perEngineer: 2, within8h: 4, total: 16 };

/**
 * Day 7 without warm-up, seed 51: 25 challenges, 6 engineers asked twice within 8 hours. The
 * engineer who runs Terraform is asked 3 times: a namespace outside the working set begun that
 * morning, Terraform as a client never proven, and machine pace at the first plan only (its six
 * Secrets are then familiar: the apply ten minutes later and the afternoon's plan and apply are
 * not asked; 6 times and 28 in all before); the Codespace user at the laptop's home and again at the Codespace,
 * the office's IPv6 /64s, and first departures from working sets begun that morning. The mover is
 * asked at their own next new namespace after the malware spent their 12:58 sign-in's grace on
 * other teams' namespaces (27 and 5 before `grace_namespaces`, which stops that malware).
 */
const COLD_BOUND_DAY7 = { perEngineer: 3, within8h: 6, total: 25 };

/**
 * Day 8 without warm-up, seed 61: 16 challenges, 5 engineers asked twice within 8 hours. Every
 * engineer's first `istioctl analyze` lists the cluster's Secrets (`cluster_secret_list`, once
 * each, the platform team's included), first departures from working sets begun that morning
 * (`unfamiliar_namespace`: the release engineer's production namespaces at 11:00 and 15:00), and
 * the platform team asked for a hardware key once, at 06:36: their 08:30 challenge for `analyze`
 * asks the key again (the level of their sign-in, kept: policy.keptLevel), so the new sign-in still
 * covers `istioctl proxy-config` on the gateway (`system-pod-access`). Before session 29 it asked
 * two factors, which replaced the key's sign-in, and the gateway asked the key again: 18
 * challenges, the platform engineers 3 each.
 */
const COLD_BOUND_DAY8 = { perEngineer: 2, within8h: 5, total: 16 };

/**
 * Day 9 without warm-up, seed 71: 13 challenges (15 before session 35, when platform-0's rotation
 * loop was asked again for machine pace and the burst seconds after the sign-in its first Secret
 * read asked; 16 before session 29, when platform-1's sign-in
 * at 14:30 for a namespace outside the working set gave up the hardware key of 11:12, which the
 * next request asked again), 3 engineers asked twice within 8 hours (4 before session 35; 21 and 8
 * before session 21, when a preview namespace's delete asked a hardware key): the
 * day-with-history friction (OPEN_FRICTION: the preview engineers' first Helm install, and the
 * delete of yesterday's preview, outside a working set begun that morning; the platform engineers' rotation, labelling and NodePool edit; platform-0 asked once
 * for the rotation (3 times before session 35), 9 before machine_pace.resume_seconds, and refused 38 times by the critical band
 * before session 16; platform-1 3 times, 7 before a change to a Namespace object was one place in
 * the working set: 25 challenges then),
 * plus the Starlink engineer at the first /24 of the day and again for a namespace outside the
 * working set begun that morning, a Skaffold user's second namespace after the hour's grace, and
 * the data engineer's first spark-submit (fabric8, a client kind never proven).
 */
const COLD_BOUND_DAY9 = { perEngineer: 2, within8h: 3, total: 13 };

/**
 * Day 10 without warm-up, seed 81: 15 challenges, one engineer asked twice within 8 hours (the
 * engineer with two computers: a namespace outside the working set begun that morning, then the
 * home desktop's network, never seen). The rest are each engineer's first departure from a
 * working set begun that morning (unfamiliar_namespace: the release's first region beyond
 * grace_namespaces, the SREs' incident, kubectl run's namespace, Telepresence's), the VPN's second
 * exit, the sleeper's café and the on-call's home (new_network), and the 8-hour freshness.
 */
const COLD_BOUND_DAY10 = { perEngineer: 2, within8h: 1, total: 15 };

/**
 * Day 11 without warm-up, seed 91: 7 challenges, one engineer asked twice within 8 hours (swg-2,
 * behind the secure web gateway: its Montréal pool, never seen on a fresh server, at their first
 * request after lunch, and 24 minutes later another address there with a namespace outside the
 * working set begun that morning: new_ip+unfamiliar_namespace, elevated). The rest: the Gitpod
 * VM's network, the platform engineer's hardware key for the upgrade, the rotator's first
 * namespace outside the working set, the Warsaw engineers' first departures from theirs.
 */
const COLD_BOUND_DAY11 = { perEngineer: 2, within8h: 1, total: 7 };

/**
 * Day 12 without warm-up, seed 101: 9 challenges, one engineer asked twice within 8 hours (the
 * platform engineer: the Flux CLI's agent, a client never proven on a fresh server, at the first
 * `flux reconcile` (ua_family_change), and `cmctl renew` in ingress-nginx, a namespace outside the
 * working set begun that morning, at 13:00). The rest: the Sydney on-call's home at the night page
 * and the commuter's first carrier network (new_network), first departures from working sets, and
 * the 8-hour freshness.
 */
const COLD_BOUND_DAY12 = { perEngineer: 2, within8h: 1, total: 9 };

/**
 * Day 13 without warm-up, seed 111: 10 challenges, one engineer asked twice within 8 hours (the
 * migration engineer: the first namespace on the new region's cluster, outside the working set
 * begun that morning, at 09:31, and the second cut-over's scale to zero at 10:33). The rest: the
 * 8-hour freshness of 12-hour shifts, and first departures from working sets.
 */
const COLD_BOUND_DAY13 = { perEngineer: 2, within8h: 1, total: 10 };

/**
 * Day 14 without warm-up, seed 121: 15 challenges, two engineers asked twice within 8 hours (the
 * admin who creates the term's accounts, twice within the minute as with history; a student at
 * their first browser request from eduroam at 08:30 and at a namespace outside the working set
 * begun that morning at 14:45). The rest: each engineer's first network beyond the one their
 * login was first used from (the jump host's address for kubectl, eduroam, home or the shared
 * workstation for the browser: `new_network`, 9), the 8-hour freshness, and the victim of the
 * partner-eduroam attacker asked once for `platform_change` (the attacker's refused Linux kubectl
 * was seen in the login first; with history the victim's Mac is proven).
 */
const COLD_BOUND_DAY14 = { perEngineer: 2, within8h: 2, total: 15 };

/**
 * Day 15 without warm-up, seed 131: 10 challenges, nobody asked twice within 8 hours: the 8-hour
 * freshness of Secrets, exec and production writes (8), cmctl's first use at the 03:00 incident
 * (ua_family_change) and one namespace outside a working set begun that morning. On seed 132 the
 * platform on-call is asked twice: cmctl at 03:17, then at 09:08 a namespace outside the working
 * set the night's incident began (bench/day-matrix.ts).
 */
const COLD_BOUND_DAY15 = { perEngineer: 1, within8h: 0, total: 10 };

/**
 * Day 16 without warm-up, seed 141: 31 challenges, nine engineers asked twice within 8 hours
 * (docs/risk.md, "Day 16"): every SRE's shells in customers' pods, each customer a namespace
 * outside a working set begun that morning (unfamiliar_namespace, as with history, and more of
 * them), the platform engineers' `vcluster connect` into their customers' namespaces (the
 * kubeconfig Secret read there), and each engineer's browser first used where their kubectl is
 * not (the access proxy's address for kubectl, the office or home for Grafana: new_network).
 */
const COLD_BOUND_DAY16 = { perEngineer: 4, within8h: 9, total: 31 };

/**
 * Day 17 without warm-up, seed 151: 23 challenges, two engineers asked twice within 8 hours (an ML
 * engineer at their first Ray job, python-requests being a client kind never proven on a fresh
 * server, and at a namespace outside the working set begun that morning; the ML engineer who
 * works from home in the afternoon at the Ray job and at home's network). The rest: each data
 * scientist's first notebook kernel (the Kubernetes Python client, a kind of its own:
 * ua_family_change) or their office address first seen after the kernel's, the 8-hour freshness,
 * the researcher's hotel. 28 and six over before the Argo CLI's agent was the interactive kind.
 */
const COLD_BOUND_DAY17 = { perEngineer: 2, within8h: 2, total: 23 };

/**
 * Day 18 without warm-up, seed 161: 30 challenges, ten engineers asked twice within 8 hours: the
 * six Codespace engineers at their workspace's morning address and again after lunch's resume
 * (as with history), the platform engineers' first `flux` after kubectl (ua_family_change) and
 * the Coder workspace's NAT address, never seen on a fresh server (new_network), the night
 * on-call's hotspot then home, and the SREs' first production namespaces outside a working set
 * begun that morning (unfamiliar_namespace; sre-1 three times).
 */
const COLD_BOUND_DAY18 = { perEngineer: 3, within8h: 10, total: 30 };

/**
 * Day 19 without warm-up, seed 171: 11 challenges, one engineer asked twice within 8 hours (the
 * security engineer's two RBAC changes, as with history). Over five seeds: 9–13 challenges, and on
 * seeds 173 and 175 the SREs asked twice (sre-1, sre-3: production namespaces of four teams outside
 * a working set begun that morning, unfamiliar_namespace, day 18's class).
 */
const COLD_BOUND_DAY19 = { perEngineer: 2, within8h: 1, total: 11 };

/**
 * Day 20 without warm-up, seed 181: 36 challenges, ten engineers asked twice within 8 hours: the
 * four mirrord users at every session (a hardware key within 5 minutes, as with history), plus
 * kube-rs's agent at their first session (ua_family_change, a client never proven on a fresh
 * server); the restore drill's Restore and namespace delete, and the hotspot, as with history;
 * and each SRE whose shift moves from the company VPN to home, or back, halfway (new_network on a
 * fresh server) after a production namespace outside the working set begun that shift
 * (unfamiliar_namespace). dev-13 is asked 6 times.
 */
const COLD_BOUND_DAY20 = { perEngineer: 6, within8h: 10, total: 36 };

/**
 * Day 21 without warm-up, seed 191: 12 challenges, four engineers asked twice within 8 hours: the
 * two field engineers on carrier-grade NAT at their carrier's first two /24s that morning
 * (new_network; a fresh server has proven none of the pool), the platform engineer's PTP rollout and
 * cluster import as with history, and a CNF engineer asked again for a namespace outside the
 * working set begun that morning (unfamiliar_namespace), whose sign-in keeps the hardware key of
 * the morning's (policy.keptLevel): 2. Before session 29 that sign-in was two factors and replaced
 * the key's, so their afternoon build asked the key again (3, 13 challenges). Over five seeds:
 * 12–14 challenges, 3–4 engineers.
 */
const COLD_BOUND_DAY21 = { perEngineer: 2, within8h: 4, total: 12 };

/**
 * Day 22 without warm-up, seed 201: 15 challenges, two engineers asked twice within 8 hours: the
 * SREs, whose rounds through every production namespace leave a working set begun that morning
 * (unfamiliar_namespace; sre-3 twice) after the NodePool's hardware key asked as with history.
 * The rest: each WSL2 distro's and the war-room PC's first sign-in (new_network: the login's first
 * network is a sign-in's only when made after it appeared), the 8-hour freshness, and (since
 * session 49's site copy enforces prod-secret-updates) payments-1's rotation of the PSP webhook's
 * key at 10:40 (14 before). Over five seeds: 14–16 challenges, 1–3 engineers.
 */
const COLD_BOUND_DAY22 = { perEngineer: 3, within8h: 2, total: 15 };

/**
 * Day 23 without warm-up, seed 211: 10 challenges, two engineers asked twice within 8 hours. The
 * second jump host (another data centre's /24) takes over at 12:00: on a fresh server nobody has
 * proven it, so the eight engineers on the bastion then are asked once each (new_network), the two
 * admins among them after the morning's restore drill's hardware key (platform-3) or the node
 * debug pod in `default`, outside a working set begun that morning (platform-1). With the warm-up
 * day (Monday's failover proved it) nobody is. The same on all five seeds.
 */
const COLD_BOUND_DAY23 = { perEngineer: 2, within8h: 2, total: 10 };

/**
 * Day 24 without warm-up, seed 221: 10 challenges, the four field technicians asked twice within 8
 * hours: each store visit after the first is another store's broadband line, never proven
 * (new_network), as with history (OPEN_FRICTION), less the morning's first store, which the
 * newcomer allowance covers on a fresh server. The rest: two 12-hour sign-ins. Over five seeds:
 * 9–12 challenges, always the four technicians.
 */
const COLD_BOUND_DAY24 = { perEngineer: 2, within8h: 4, total: 10 };

/**
 * Day 25 without warm-up, seed 231: 10 challenges, one engineer asked twice within 8 hours: the
 * Americas on-call, whose shift goes through every production namespace, at one outside the
 * working set begun that shift and again at another (unfamiliar_namespace; day 18's and 22's
 * class). The rest: the 8-hour freshness of Secrets, shells and production writes, and first
 * namespaces of the other on-calls. Over five seeds: 8–10 challenges, 0–1 engineers.
 */
const COLD_BOUND_DAY25 = { perEngineer: 2, within8h: 1, total: 10 };

/**
 * Day 26 without warm-up, seed 241: 5 challenges, one engineer asked twice within 8 hours: the
 * on-call, at a production namespace outside the working set begun that morning (16:46) and at
 * home in the evening (19:27, new_network: the home line is not proven on a fresh server). The
 * rest: the 8-hour freshness, and other first networks. Over five seeds: 3–5 challenges, 0–1
 * engineers.
 */
const COLD_BOUND_DAY26 = { perEngineer: 2, within8h: 1, total: 5 };

/**
 * Day 27 without warm-up, seed 251: 5 challenges, nobody asked twice within 8 hours (6 and ctl-3
 * before session 43: the VPN's move at 11:00, then the office network, never proven on a fresh
 * server, at the replacement laptop's first sign-in). risk.learn.certificate_nearby carries the
 * login whose sign-in proved the VPN's morning /24 on this fresh server, with that laptop's
 * certificate, to the 11:00 range in the same /16 (with the warm-up day the morning /24 was known
 * already, proven by no sign-in of that login, and the move is asked as before). The rest: the
 * VPN's move for the others at home, and the 8-hour freshness. Over five seeds: 3–7 challenges,
 * 0–1 engineers.
 */
const COLD_BOUND_DAY27 = { perEngineer: 2, within8h: 0, total: 5 };
/**
 * Day 28 without warm-up, seed 261: 9 challenges, two engineers asked twice within 8 hours, both
 * of the platform team, whose first day on a fresh server crosses everything at once: platform-1
 * at 07:54 (a VPN address and the ingress namespace never seen: new_ip+unfamiliar_namespace) and
 * at 11:18 (monitoring's port-forward, unfamiliar_namespace); platform-2 at 12:27 (from the proxy
 * in the office to the VPN within one login: new_network) and 13:27 (the ingress shell from the
 * VPN). With the warm-up day none of them is asked (0 over in all five seeds).
 */
const COLD_BOUND_DAY28 = { perEngineer: 2, within8h: 2, total: 9 };
/**
 * Day 29 without warm-up, seed 271: 10 challenges, two engineers asked twice within 8 hours: the
 * on-call at the incident (berth-prod not yet in a working set begun that morning:
 * unfamiliar_namespace, 15:30) and at home in the evening (new_network, 19:22), and platform-2 at
 * the morning's first kube-system read (the example's two factors for it: acr_insufficient, 07:59)
 * and in the office after lunch, a network the home morning's login never proved (new_network,
 * 13:06). With the warm-up day none is over (0 in all five seeds). Over five seeds: 7–10
 * challenges, 1–2 engineers.
 */
const COLD_BOUND_DAY29 = { perEngineer: 2, within8h: 2, total: 10 };
/**
 * Day 30 without warm-up, seed 281: 12 challenges, two engineers asked twice within 8 hours, both
 * with kubectl in PowerShell and in WSL sharing one token cache: each platform's kubectl is asked
 * once in a login the other used (platform_change: a sign-in proves the device it was made for,
 * and the other device, seen before it, needs one of its own), dev-4 then at home after lunch
 * within the office's login (new_network, 13:05). With the warm-up day none is over (0 in all
 * five seeds). Over five seeds: 10–12 challenges, 1–2 engineers.
 */
const COLD_BOUND_DAY30 = { perEngineer: 3, within8h: 2, total: 12 };
/**
 * Day 31 without warm-up, seed 291: 7 challenges, two engineers asked twice within 8 hours: plat-2
 * at home in the morning and in the office after lunch within one login (new_network, as on days 5
 * and 30), dev-4 on the new phone's tether at its carrier's second /24 and in the office after
 * lunch. Over five seeds: 5–7 challenges, 1–2 engineers.
 */
const COLD_BOUND_DAY31 = { perEngineer: 2, within8h: 2, total: 7 };
/**
 * Day 32 without warm-up, seed 301: 3 challenges, nobody asked twice within 8 hours: the
 * contractor's Secret read after lunch within the morning's login (policy), plat-2 and the SRE in
 * the office after lunch within a login made at home (new_network: a server started that morning
 * has seen neither identity in the office). Over seeds 301–303: 2–3 challenges.
 */
const COLD_BOUND_DAY32 = { perEngineer: 1, within8h: 0, total: 3 };
/**
 * Day 33 without warm-up, seed 311: 8 challenges, one engineer asked twice within 8 hours: dev-1,
 * Headlamp in Chrome beside kubectl in a login used with the certificate (certificate_missing: a
 * fresh server has not seen the browser proven) and the home after lunch. The rest: the networks a
 * proven certificate moves to (risk.learn.certificate_roams off: dev-4's hotel and conference
 * venue; plat-2's train and the on-call's tether asked once each since session 43,
 * risk.learn.certificate_nearby), dev-2's new laptop (new_device). Over five seeds: 8 challenges,
 * 1 engineer (10 and 3 before session 43).
 */
const COLD_BOUND_DAY33 = { perEngineer: 2, within8h: 1, total: 8 };
/**
 * Day 34 without warm-up, seed 321: 23 challenges, 5 engineers asked twice within 8 hours: the
 * MSP office after lunch within a login made at home (new_network: a server started that morning
 * has seen nobody there), and each engineer's first sensitive action in a namespace of a customer
 * cluster more than the grace after the sign-in (unfamiliar_namespace, working sets begun that
 * morning, kept per cluster); since session 43 also the first sensitive action on each customer
 * cluster after the first (no namespace grace in a cluster never worked in: day 34's pivot into
 * another customer's cluster), eng-7 asked 4 times. Over five seeds: 20–25 challenges, 5–8
 * engineers (16–21 and 4–7 before).
 */
const COLD_BOUND_DAY34 = { perEngineer: 4, within8h: 5, total: 23 };
/**
 * Day 35 without warm-up, seed 331: 12 challenges, 2 engineers asked twice within 8 hours. A server
 * started that morning has seen nobody in the office: each engineer's first request there after
 * lunch is asked (new_network, 9 a seed), whether the login was carried from home or made under the
 * 12:30 policy a minute before (a sign-in made before a network's first sighting does not prove it:
 * what stops the AiTM row); dev-3's loaner in the office at 11:00 the same. The rest: first
 * sensitive actions in a working set begun that morning (unfamiliar_namespace; plat-1's and the
 * SRE's make their two within 8 hours) and the hardware key that cert-manager's Secrets ask
 * (system-secrets). Over five seeds: 12–13 challenges, 2–3 engineers.
 */
const COLD_BOUND_DAY35 = { perEngineer: 2, within8h: 2, total: 12 };
/**
 * Day 36 without warm-up, seed 341: 14 challenges, 2 engineers asked twice within 8 hours. A server
 * started that morning has seen nobody anywhere: each engineer's first move to a second network
 * within one login is asked (new_network: Pune's developers going home, the Berlin afternoon at
 * home, New York's evening, the traveller at the hotel and again at the customer's guest network);
 * the three on-calls' first sensitive actions in a production namespace more than the grace after
 * the sign-in (unfamiliar_namespace, a working set begun that morning: oc-p twice), the release
 * manager's release-train CLI after Chrome in one login (ua_family_change), and the 8-hour
 * freshness of Secrets (policy).
 */
const COLD_BOUND_DAY36 = { perEngineer: 2, within8h: 2, total: 14 };
/**
 * Day 37 without warm-up, seed 351: 11 challenges, 1 engineer asked twice within 8 hours. The three
 * auditors at their first request from the VDI farm (new_network, auth_too_old: a password sign-in
 * after the farm first appeared, risk.learn.below_min_level since session 46; before it two
 * factors, which their accounts do not have and the replay now does not give them), each engineer's
 * first move to a second network (the data scientists into JupyterHub, dev-2 home after lunch, the
 * DBA's evening at home), the SRE's Grafana after opsctl in one login (ua_family_change), a DBA's
 * first Secret of the other team's database (unfamiliar_namespace), the break-glass account's
 * 15-minute key (policy). Over five seeds: 10–12 challenges, 0–2 engineers twice within 8 hours.
 */
const COLD_BOUND_DAY37 = { perEngineer: 2, within8h: 1, total: 11 };
/**
 * Day 38 without warm-up, seed 361: 18 challenges, 3 engineers asked twice within 8 hours. The half
 * of the war room that goes home at 19:00 (and the producer) at their first request from home
 * (new_network, 20:07–20:24), the Windows engineers' first PowerShell kubectl after WSL's on one
 * token (platform_change, every seed), the on-call's office after the night's page at home
 * (new_network), a first sensitive action in a working set begun that morning
 * (unfamiliar_namespace: a live-ops engineer, the release manager, a partner tester), and the
 * 8-hour freshness of a 15-hour launch day (policy): be-2, lo-3 and rel twice within 8 hours (the
 * freshness at 16:30, home at 20:20). Over five seeds: 17–20 challenges, 1–4 engineers twice within
 * 8 hours.
 */
const COLD_BOUND_DAY38 = { perEngineer: 2, within8h: 3, total: 18 };
/**
 * Day 39 without warm-up, seed 371: 10 challenges, 3 engineers asked twice within 8 hours. Each MSP
 * engineer at the first Secret or shell of a ticket in a customer namespace begun that day
 * (unfamiliar_namespace: eng-2 and the SRE twice), Borealis' admin at the office after the night's
 * break-fix at home (new_network), Acme's admin's staging RoleBinding (a hardware key) and the
 * 8-hour freshness. Over five seeds: 7–10 challenges, 1–3 engineers twice within 8 hours, at most 3
 * for one engineer (eng-1 on 374: three tickets' first Secrets in namespaces begun that day).
 */
const COLD_BOUND_DAY39 = { perEngineer: 2, within8h: 3, total: 10 };
/**
 * Day 40 without warm-up, seed 381: 6 challenges, as with the warm-up day (the platform team's
 * hardware keys and the day's reads carry it): the upgrade lead's five key taps (three waves' CSR
 * approvals, the node-debug pod, the webhook's re-creation: OPEN_FRICTION) and the API engineer's
 * CRD status patch. Over five seeds: 6–8 challenges, at most 2 engineers asked twice within 8
 * hours (382: the API engineer's first write in an app namespace at 13:30, after which the
 * slipped ClusterRoleBinding passes within the tap's 5 minutes).
 */
const COLD_BOUND_DAY40 = { perEngineer: 5, within8h: 1, total: 6 };
/**
 * Day 41 without warm-up, seed 391: 12 challenges, 5 engineers asked twice within 8 hours. The
 * CNF engineer's two server-side applied lab pods and the vendor's two helm upgrades (OPEN_FRICTION),
 * each field engineer twice on the carrier's CGNAT (a /24 after the vouch's 15 minutes before two are
 * proven, the carrier's other /16), cnf-1's first attachment edit in a namespace begun that day,
 * plat-2's `--as` Prometheus' service account. Over five seeds: 9–12 challenges, 2–5 engineers
 * asked twice within 8 hours, at most 2 for one engineer.
 */
const COLD_BOUND_DAY41 = { perEngineer: 2, within8h: 5, total: 12 };
/**
 * Day 42 without warm-up, seed 401: 10 challenges, none twice within 8 hours. The venue's guest
 * Wi-Fi for the eight who go there (new_network), the freelancer's late CDN purge and sre-2's
 * evening exec past their noon sign-ins' 8 hours. Over five seeds: 10–11 challenges, at most one
 * engineer (the lead: the quota raise within 15 minutes of the venue's sign-in, seeds 402–405)
 * twice within 8 hours, at most 2 for one engineer.
 */
const COLD_BOUND_DAY42 = { perEngineer: 1, within8h: 0, total: 10 };
/**
 * Day 43 without warm-up, seed 411: 6 challenges, one engineer asked twice within 8 hours (plat-1's
 * two GPU quota resizes, as with history). The rest: ds-1's notebook terminal (the cluster's NAT)
 * and ds-2's home after the office, plat-2's home in the evening (new_network), the MLOps
 * engineer's contributor added in the dashboard (a browser first seen on a fresh server: band
 * elevated, new_device; a hardware key within 15 minutes either way). Over five seeds: 6–7
 * challenges (413: the lab's cro-1 past the 8 hours at 11:48), plat-1 twice within 8 hours every
 * seed, at most 2 for one engineer.
 */
const COLD_BOUND_DAY43 = { perEngineer: 2, within8h: 1, total: 6 };
/**
 * Day 44 without warm-up, seed 421: 3 challenges, none within 8 hours of another for one engineer:
 * the integration engineer's home at 21:06 and the on-call's at 18:55 (new_network), the DR test's
 * first Velero Restore on the standby (unfamiliar_namespace: a cluster with no working set). Over
 * five seeds: 3–4 (422–425: the break-glass account past break-glass-accounts' 15 minutes).
 */
const COLD_BOUND_DAY44 = { perEngineer: 1, within8h: 0, total: 3 };
/**
 * Day 45 without warm-up, seed 431: 1 challenge (every seed): the Montréal on-call at the office at
 * 12:15 after the 03:00 hotfix from home, the first network of a fresh server (new_network).
 */
const COLD_BOUND_DAY45 = { perEngineer: 1, within8h: 0, total: 1 };
/**
 * Day 46 without warm-up, seed 441: 4 challenges, none within 8 hours of another for one engineer:
 * the summit's venue for ci-2 and docs-1 and the hotel for lead-ber (new_network, the first network
 * a fresh server proves for each), and mir-1's sync Job run by hand past the site's hour. Over five
 * seeds: 4–7, up to 2 engineers asked twice within 8 hours (lead-sfo's phone on the carrier's CGNAT,
 * then the desk at home; mir-1's CGNAT, then the site's rule).
 */
const COLD_BOUND_DAY46 = { perEngineer: 1, within8h: 0, total: 4 };
/**
 * Day 47 without warm-up, seed 451: 7 challenges: plat-1's drain evictions in three product
 * namespaces (unfamiliar_namespace, 10:03, 11:29, 14:10: within 8 hours), plat-2's one drain
 * namespace and home in the evening (new_network), the intern's and sre-2's first network after
 * their first (office after the coffee shop, office after home). Over five seeds: 6–8, 1–2
 * engineers asked twice within 8 hours (plat-1, plat-2: the drains).
 */
const COLD_BOUND_DAY47 = { perEngineer: 3, within8h: 1, total: 7 };
/**
 * Day 48 without warm-up, seed 461: 5 challenges: plat-1's IRSA Role in tracking-prod at 10:30
 * (unfamiliar_namespace) and the Composition at 15:10 (cluster-add-on-objects), the on-call's pause
 * and resume of the orders database's managed Instance at 02:34 and 02:58 (cluster-add-on-objects),
 * plat-2's provider package at 11:00 (a newcomer on a fresh server: Lisbon is not asked). Two
 * engineers asked twice within 8 hours; the same on all five seeds.
 */
const COLD_BOUND_DAY48 = { perEngineer: 2, within8h: 2, total: 5 };
/**
 * Day 49 without warm-up, seed 471: 3 challenges: plat-1's morning delete of three closed previews
 * (unfamiliar_namespace, asked twice within a minute; the third was in the sign-in's grace) and
 * sec-1's first kube-bench Job in a namespace new to a fresh server. Over five seeds: 3–4 (the
 * third preview delete asked too), plat-1 the one engineer asked twice within 8 hours.
 */
const COLD_BOUND_DAY49 = { perEngineer: 3, within8h: 1, total: 4 };

const COLD: [string, (seed: number) => DayEvent[], number, ReplayOptions, { perEngineer: number; within8h: number; total: number }][] = ([
  ['day 1 (workday.ts)', workday, 12, {}, COLD_BOUND_DAY1],
  ['day 4 (workday4.ts)', workday4, 21, { idpDown: [D4_IDP_DOWN] }, COLD_BOUND_DAY4],
  ['day 5 (workday5.ts)', workday5, 31, {}, COLD_BOUND_DAY5],
  ...DAY6_SEEDS.map((seed) => ['day 6 (workday6.ts)', workday6, seed, {}, COLD_BOUND_DAY6]),
  ['day 7 (workday7.ts)', workday7, 51, {}, COLD_BOUND_DAY7],
  ['day 8 (workday8.ts)', workday8, 61, {}, COLD_BOUND_DAY8],
  ['day 9 (workday9.ts)', workday9, 71, {}, COLD_BOUND_DAY9],
  ['day 10 (workday10.ts)', workday10, 81, {}, COLD_BOUND_DAY10],
  ['day 11 (workday11.ts)', workday11, 91, {}, COLD_BOUND_DAY11],
  ['day 12 (workday12.ts)', workday12, 101, {}, COLD_BOUND_DAY12],
  ['day 13 (workday13.ts)', workday13, 111, {}, COLD_BOUND_DAY13],
  ['day 14 (workday14.ts)', workday14, 121, {}, COLD_BOUND_DAY14],
  ['day 15 (workday15.ts)', workday15, 131, {}, COLD_BOUND_DAY15],
  ['day 16 (workday16.ts)', workday16, 141, { site: D16_SITE }, COLD_BOUND_DAY16],
  ['day 17 (workday17.ts)', workday17, 151, { site: D17_SITE }, COLD_BOUND_DAY17],
  ['day 18 (workday18.ts)', workday18, 161, { site: D18_SITE }, COLD_BOUND_DAY18],
  ['day 19 (workday19.ts)', workday19, 171, { site: D19_SITE }, COLD_BOUND_DAY19],
  ['day 20 (workday20.ts)', workday20, 181, {}, COLD_BOUND_DAY20],
  ['day 21 (workday21.ts)', workday21, 191, {}, COLD_BOUND_DAY21],
  ['day 22 (workday22.ts)', workday22, 201, { site: D22_SITE }, COLD_BOUND_DAY22],
  ['day 23 (workday23.ts)', workday23, 211, { site: D23_SITE }, COLD_BOUND_DAY23],
  ['day 24 (workday24.ts)', workday24, 221, { site: D24_SITE }, COLD_BOUND_DAY24],
  ['day 25 (workday25.ts)', workday25, 231, { site: D25_SITE }, COLD_BOUND_DAY25],
  ['day 26 (workday26.ts)', workday26, 241, { site: D26_SITE }, COLD_BOUND_DAY26],
  ['day 27 (workday27.ts)', workday27, 251, {}, COLD_BOUND_DAY27],
  ['day 28 (workday28.ts)', workday28, 261, { site: D28_SITE }, COLD_BOUND_DAY28],
  ['day 29 (workday29.ts)', workday29, 271, { plugin: d29Plugin }, COLD_BOUND_DAY29],
  ['day 30 (workday30.ts)', workday30, 281, { plugin: d30Plugin }, COLD_BOUND_DAY30],
  ['day 31 (workday31.ts)', workday31, 291, {}, COLD_BOUND_DAY31],
  ['day 32 (workday32.ts)', workday32, 301, { site: D32_SITE }, COLD_BOUND_DAY32],
  ['day 33 (workday33.ts)', workday33, 311, { site: D33_SITE }, COLD_BOUND_DAY33],
  ['day 34 (workday34.ts)', workday34, 321, { site: D34_SITE }, COLD_BOUND_DAY34],
  ['day 35 (workday35.ts)', workday35, 331, {}, COLD_BOUND_DAY35],
  ['day 36 (workday36.ts)', workday36, 341, { site: D36_SITE }, COLD_BOUND_DAY36],
  ['day 37 (workday37.ts)', workday37, 351, {}, COLD_BOUND_DAY37],
  ['day 38 (workday38.ts)', workday38, 361, {}, COLD_BOUND_DAY38],
  ['day 39 (workday39.ts)', workday39, 371, { site: D39_SITE }, COLD_BOUND_DAY39],
  ['day 40 (workday40.ts)', workday40, 381, { site: D40_SITE }, COLD_BOUND_DAY40],
  ['day 41 (workday41.ts)', workday41, 391, { site: D41_SITE }, COLD_BOUND_DAY41],
  ['day 42 (workday42.ts)', workday42, 401, { site: D42_SITE }, COLD_BOUND_DAY42],
  ['day 43 (workday43.ts)', workday43, 411, { site: D43_SITE }, COLD_BOUND_DAY43],
  ['day 44 (workday44.ts)', workday44, 421, { site: D44_SITE }, COLD_BOUND_DAY44],
  ['day 45 (workday45.ts)', workday45, 431, { site: D45_SITE }, COLD_BOUND_DAY45],
  ['day 46 (workday46.ts)', workday46, 441, { site: D46_SITE }, COLD_BOUND_DAY46],
  ['day 47 (workday47.ts)', workday47, 451, { site: D47_SITE }, COLD_BOUND_DAY47],
  ['day 48 (workday48.ts)', workday48, 461, { site: D48_SITE }, COLD_BOUND_DAY48],
  ['day 49 (workday49.ts)', workday49, 471, {}, COLD_BOUND_DAY49],
] as [string, (seed: number) => DayEvent[], number, ReplayOptions, { perEngineer: number; within8h: number; total: number }][]);

/**
 * Registers the replays of the days in `shard` (day numbers as strings) that STEPGATE_DAYS keeps:
 * each seed with a warm-up day, the seeds without one, and (with day 1) the policy-only comparison.
 */
export function replayDays(shard: readonly string[]): void {
  // Each replay starts a new server; they share the file's issuer (see sharedIssuerForFile).
  const issuer = sharedIssuerForFile();
  const inShard = (dayName: string) => {
    const day = dayName.split(' ')[1]!;
    return shard.includes(day) && days.includes(day);
  };
  for (const [dayName, build, staff, daySeeds, opts] of DAYS.filter(([name]) => inShard(name))) {
    for (const seed of daySeeds) {
      describe(`${dayName}, seed ${seed}, ${opts.site ? 'a site copy of ' : ''}examples/stepgate.yaml`, () => {
        let report: DayReport;
        beforeAll(async () => {
          const s = await exampleService({ transport: 'in-process', issuer: issuer(), ...(opts.site ? { edit: opts.site } : {}) });
          try {
            report = await replay(build(seed), s.minter, s.setClock, s.send, opts);
          } finally {
            await s.close();
          }
          if (process.env.STEPGATE_DAY_REPORT) console.log(`## ${dayName}, seed ${seed}\n\n${reportTables(report)}\n`);
        }, 600_000);

        it('routine work: at most one challenge per engineer in any 8 hours, no 403, nothing left unresolved', () => {
          expect(report.engineers).toHaveLength(staff);
          for (const e of report.engineers) {
            // "At most one challenge per engineer per 8-hour day": no two challenges within 8 hours
            // of each other, wherever the day starts. A day of up to 8 hours (a split shift's two
            // blocks included, if they lie within 8 hours) gets at most one; a longer one, one more
            // per 8 hours of its length, which is the example's 8-hour freshness for Secrets.
            const open = (OPEN_FRICTION[dayName] ?? []).filter((o) => o.who === undefined || o.who.includes(e.name));
            // The causes of the challenges, in the order of challengedAt (403s are listed among causes too).
            const asked = e.causes.filter((c) => /^(acr_insufficient|auth_too_old|auth_time_missing) /.test(c));
            const matches = (c: string, o: { cause: string; reason?: string }) => c.includes(`(${o.cause})`) && (o.reason === undefined || c.startsWith(`${o.reason} `));
            const isOpen = (k: number) => open.some((o) => matches(asked[k] ?? '', o));
            const at = e.challengedAt.filter((_, k) => !isOpen(k));
            for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!, `${e.name}: ${e.causes.join('; ')}`).toBeGreaterThanOrEqual(EIGHT_HOURS);
            expect(at.length, `${e.name}: ${e.causes.join('; ')}`).toBeLessThanOrEqual(Math.max(1, Math.ceil((e.last - e.first) / EIGHT_HOURS)));
            for (const o of open) expect(asked.filter((c) => matches(c, o)).length, `${e.name}: ${e.causes.join('; ')}`).toBeLessThanOrEqual(o.max);
            expectForbidden(dayName, e);
            expect(e.unresolved, e.name).toBe(0);
            // Someone with no second factor yet cannot answer a step-up at all: any challenge is a refusal.
            if (NO_SECOND_FACTOR.has(e.name)) expect(e.challenges, `${e.name}: ${e.causes.join('; ')}`).toBe(0);
          }
          expect(report.ci.denied, 'CI').toBeLessThanOrEqual(OPEN_CI_REFUSED[dayName] ?? 0);
          // Service-account tokens carry no auth_time, which the example's default rule asks for:
          // the policy refuses them (auth_time_missing; a lease write in argocd meets `system-writes`
          // first, which asks two factors: acr_insufficient), never the risk engine.
          for (const cause of Object.keys(report.controllers.causes)) expect(cause, 'controllers').toMatch(/^(auth_time_missing|acr_insufficient) \(policy\)$/);
        });

        it('every attack is stopped at its first sensitive action, or by behaviour within the documented bound', () => {
          expectAttacksStopped(report);
        });
      });
    }
  }

  for (const [dayName, build, seed, opts, bound] of COLD.filter(([name]) => inShard(name))) {
    describe(`${dayName}, seed ${seed}, without warm-up (a freshly started server), ${opts.site ? 'a site copy of ' : ''}examples/stepgate.yaml`, () => {
      let report: DayReport;
      beforeAll(async () => {
        const s = await exampleService({ transport: 'in-process', issuer: issuer(), ...(opts.site ? { edit: opts.site } : {}) });
        try {
          report = await replay(build(seed).filter((e) => e.scored), s.minter, s.setClock, s.send, opts);
        } finally {
          await s.close();
        }
        if (process.env.STEPGATE_DAY_REPORT) console.log(`## ${dayName}, seed ${seed}, without warm-up\n\n${reportTables(report)}\n`);
      }, 600_000);

      it(`routine work: no 403, nothing unresolved, CI never refused (but OPEN_CI_REFUSED's bound); at most ${bound.perEngineer} challenges per engineer, ${bound.total} in all, ${bound.within8h} engineers asked twice within 8 hours`, () => {
        let total = 0;
        let within8h = 0;
        for (const e of report.engineers) {
          total += e.challenges;
          expect(e.challenges, `${e.name}: ${e.causes.join('; ')}`).toBeLessThanOrEqual(bound.perEngineer);
          if (e.challengedAt.some((t, i) => i > 0 && t - e.challengedAt[i - 1]! < EIGHT_HOURS)) within8h++;
          expectForbidden(dayName, e);
          expect(e.unresolved, e.name).toBe(0);
          if (NO_SECOND_FACTOR.has(e.name)) expect(e.challenges, `${e.name}: ${e.causes.join('; ')}`).toBe(0);
        }
        expect(total).toBeLessThanOrEqual(bound.total);
        expect(within8h).toBeLessThanOrEqual(bound.within8h);
        expect(report.ci.denied, 'CI').toBeLessThanOrEqual(OPEN_CI_REFUSED[dayName] ?? 0);
      });

      it('every attack is stopped within the same bounds as on a day with history', () => {
        expectAttacksStopped(report, true);
      });
    });
  }

  if (inShard('day 1 ')) {
    describe('day 1, seed 12: the risk engine is what stops them', () => {
      let withRisk: DayReport;
      let policyOnly: DayReport;
      beforeAll(async () => {
        const events = workday(12);
        for (const [withoutRisk, set] of [[false, (r: DayReport) => (withRisk = r)], [true, (r: DayReport) => (policyOnly = r)]] as const) {
          const s = await exampleService({ withoutRisk, transport: 'in-process', issuer: issuer() });
          try {
            set(await replay(events, s.minter, s.setClock, s.send));
          } finally {
            await s.close();
          }
        }
      }, 600_000);

      it('the policy alone lets most through', () => {
        const stoppedEarly = (r: DayReport) => r.attacks.filter((a) => a.stoppedAt !== undefined && a.stoppedAt <= a.firstSensitive).length;
        expect(stoppedEarly(withRisk)).toBeGreaterThan(stoppedEarly(policyOnly) + 4);
      });
    });
  }
}
