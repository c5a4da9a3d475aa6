/**
 * The replayed days of issue 12 as bench/day-matrix.ts runs them: per day its generator, its five
 * seeds and what its replay needs (a site copy of the example, the credential plugin, an outage).
 * Shared by day-matrix.ts and the scripts that read its rows against the days' events.
 */
import { workday, type DayEvent, type ReplayOptions } from '../test/support/workday.js';
import { workday2 } from '../test/support/workday2.js';
import { workday3 } from '../test/support/workday3.js';
import { D4_IDP_DOWN, workday4 } from '../test/support/workday4.js';
import { workday5 } from '../test/support/workday5.js';
import { workday6 } from '../test/support/workday6.js';
import { workday7 } from '../test/support/workday7.js';
import { workday8 } from '../test/support/workday8.js';
import { workday9 } from '../test/support/workday9.js';
import { workday10 } from '../test/support/workday10.js';
import { workday11 } from '../test/support/workday11.js';
import { workday12 } from '../test/support/workday12.js';
import { workday13 } from '../test/support/workday13.js';
import { workday14 } from '../test/support/workday14.js';
import { workday15 } from '../test/support/workday15.js';
import { SITE as D16_SITE, workday16 } from '../test/support/workday16.js';
import { SITE as D17_SITE, workday17 } from '../test/support/workday17.js';
import { SITE as D18_SITE, workday18 } from '../test/support/workday18.js';
import { SITE as D19_SITE, workday19 } from '../test/support/workday19.js';
import { workday20 } from '../test/support/workday20.js';
import { workday21 } from '../test/support/workday21.js';
import { SITE as D22_SITE, workday22 } from '../test/support/workday22.js';
import { SITE as D23_SITE, workday23 } from '../test/support/workday23.js';
import { SITE as D24_SITE, workday24 } from '../test/support/workday24.js';
import { SITE as D25_SITE, workday25 } from '../test/support/workday25.js';
import { SITE as D26_SITE, workday26 } from '../test/support/workday26.js';
import { workday27 } from '../test/support/workday27.js';
import { SITE as D28_SITE, workday28 } from '../test/support/workday28.js';
import { pluginOf as d29Plugin, workday29 } from '../test/support/workday29.js';
import { pluginOf as d30Plugin, workday30 } from '../test/support/workday30.js';
import { workday31 } from '../test/support/workday31.js';
import { SITE as D32_SITE, workday32 } from '../test/support/workday32.js';
import { SITE as D33_SITE, workday33 } from '../test/support/workday33.js';
import { SITE as D34_SITE, workday34 } from '../test/support/workday34.js';
import { RUNBOOK_ENV as D35_ENV, RUNBOOK_SITE as D35_RUNBOOK_SITE, runbook35, workday35 } from '../test/support/workday35.js';
import { SITE as D36_SITE, workday36 } from '../test/support/workday36.js';
import { workday37 } from '../test/support/workday37.js';
import { workday38 } from '../test/support/workday38.js';
import { SITE as D39_SITE, workday39 } from '../test/support/workday39.js';
import { SITE as D40_SITE, workday40 } from '../test/support/workday40.js';
import { SITE as D41_SITE, SITE_HIGH_DENY as D41_SITE_HIGH_DENY, workday41 } from '../test/support/workday41.js';
import { SITE as D42_SITE, workday42 } from '../test/support/workday42.js';
import { SITE as D43_SITE, workday43 } from '../test/support/workday43.js';
import { SITE as D44_SITE, workday44 } from '../test/support/workday44.js';
import { SITE as D45_SITE, workday45 } from '../test/support/workday45.js';
import { SITE as D46_SITE, workday46 } from '../test/support/workday46.js';
import { SITE as D47_SITE, workday47 } from '../test/support/workday47.js';
import { SITE as D48_SITE, workday48 } from '../test/support/workday48.js';
import { workday49 } from '../test/support/workday49.js';

export const DAYS: [string, (seed: number) => DayEvent[], number[], ReplayOptions][] = [
  ['1', workday, [12, 1, 2, 3, 4], {}],
  ['2', workday2, [12, 1, 2, 3, 4], {}],
  ['3', workday3, [5, 6, 7, 8, 9], {}],
  ['4', workday4, [21, 22, 23, 24, 25], { idpDown: [D4_IDP_DOWN] }],
  ['5', workday5, [31, 32, 33, 34, 35], {}],
  ['6', workday6, [41, 42, 43, 44, 45], {}],
  ['7', workday7, [51, 52, 53, 54, 55], {}],
  ['8', workday8, [61, 62, 63, 64, 65], {}],
  ['9', workday9, [71, 72, 73, 74, 75], {}],
  ['10', workday10, [81, 82, 83, 84, 85], {}],
  ['11', workday11, [91, 92, 93, 94, 95], {}],
  ['12', workday12, [101, 102, 103, 104, 105], {}],
  ['13', workday13, [111, 112, 113, 114, 115], {}],
  ['14', workday14, [121, 122, 123, 124, 125], {}],
  ['15', workday15, [131, 132, 133, 134, 135], {}],
  // Day 16 runs on a site copy of the example: the two contractors' time boxes (09:00-13:00 and 13:00-17:00 UTC on weekdays) as outside_hours rules.
  ['16', workday16, [141, 142, 143, 144, 145], { site: D16_SITE }],
  // Day 17 runs on a site copy of the example: its model stores in guardrails.model_sources (session 50).
  ['17', workday17, [151, 152, 153, 154, 155], { site: D17_SITE }],
  // Day 18 runs on a site copy of the example (session 50): the company's registries (ghcr.io/forgeline, Docker Hub's official images) in guardrails.allowed_registries.
  ['18', workday18, [161, 162, 163, 164, 165], { site: D18_SITE }],
  // Day 19 runs on a site copy of the example: the EHR vendor's access package's hours (13:00-16:00 UTC on weekdays) as an outside_hours rule.
  ['19', workday19, [171, 172, 173, 174, 175], { site: D19_SITE }],
  ['20', workday20, [181, 182, 183, 184, 185], {}],
  ['21', workday21, [191, 192, 193, 194, 195], {}],
  // Day 22 runs on a site copy of the example: prod-secret-updates enforced (a person changes a production Secret rarely there).
  ['22', workday22, [201, 202, 203, 204, 205], { site: D22_SITE }],
  // Day 23 runs on a site copy of the example: its certificate authorities in guardrails.certificate_authorities (session 50).
  ['23', workday23, [211, 212, 213, 214, 215], { site: D23_SITE }],
  // Day 24 runs on a site copy of the example (session 50): the chain's and the POS vendor's registries in guardrails.allowed_registries.
  ['24', workday24, [221, 222, 223, 224, 225], { site: D24_SITE }],
  // Day 25 runs on a site copy of the example: the custody namespaces named in guardrails.protected_namespaces.
  ['25', workday25, [231, 232, 233, 234, 235], { site: D25_SITE }],
  ['26', workday26, [241, 242, 243, 244, 245], { site: D26_SITE }],
  ['27', workday27, [251, 252, 253, 254, 255], {}],
  // Day 28 runs on a site copy of the example: its access proxy's pods listed in network.xff_trusted_cidrs.
  ['28', workday28, [261, 262, 263, 264, 265], { site: D28_SITE }],
  // Day 29's sign-ins go through the credential plugin: each names the ask it chose (ReplayOptions.plugin).
  ['29', workday29, [271, 272, 273, 274, 275], { plugin: d29Plugin }],
  // Day 30's sign-ins: stepgate's plugin for some (argv in WSL, the newest ask on Windows and for desktop clients), kubelogin's (no ask) for others.
  ['30', workday30, [281, 282, 283, 284, 285], { plugin: d30Plugin }],
  // Day 31's attackers make their own fresh sign-in as the engineer (kubelogin against Okta: no ask named).
  ['31', workday31, [291, 292, 293, 294, 295], {}],
  // Day 32 runs on a site copy of the example: the migration week's second issuer (Entra ID, people named by oid), [fido, mfa] at aal3, Headlamp's host.
  ['32', workday32, [301, 302, 303, 304, 305], { site: D32_SITE }],
  // Day 33 runs on a site copy of the example: the company's IdP as an issuer (the device certificates name it), Headlamp's host.
  ['33', workday33, [311, 312, 313, 314, 315], { site: D33_SITE }],
  // Day 34 runs on a site copy of the example: an MSP's six customer clusters by host (kubernetes.clusters), the shared Headlamp's host, the contractor's hours.
  ['34', workday34, [321, 322, 323, 324, 325], { site: D34_SITE }],
  // Day 35: a company during its own security incident (an infostealer, the IdP's 10:00 rotation, the 12:30 MFA policy); the example as shipped.
  ['35', workday35, [331, 332, 333, 334, 335], {}],
  // Day 35 at a site that follows docs/incident-runbook.md (`--days=35r`): `incident` configured, dev-3 revoked at the isolation, every user revoked as a precaution at 10:00 (--keep-history: what was learnt is kept).
  ['35r', workday35, [331, 332, 333, 334, 335], { site: D35_RUNBOOK_SITE, env: D35_ENV, admin: runbook35() }],
  // Day 36: one on-call rotation across Pune, Berlin and New York (two handovers), a traveller, a laptop replaced, a new hire's first afternoon, an Argo CD release train and Headlamp beside kubectl; a site copy (session 50) with the company's registries listed and image_registry_not_allowed at a hardware key.
  ['36', workday36, [341, 342, 343, 344, 345], { site: D36_SITE }],
  // Day 37: a regulated company's quarter-end (auditors on a VDI farm at aal1, a break-glass account, DBAs' port-forward and kubectl cp, notebooks exec'ing with their service account, CronJobs, a Renovate bot and Argo CD's controller); the example as shipped.
  ['37', workday37, [351, 352, 353, 354, 355], {}],
  // Day 38: a game studio's launch across three regions (a war room on one office address that half leaves at night, a partner's QA behind its shared VPN egress, WSL and PowerShell kubectl, k9s, Lens, Rancher's dashboard, ARC runners, KEDA, a 02:00 hotfix and a helm rollback); the example as shipped.
  ['38', workday38, [361, 362, 363, 364, 365], {}],
  // Day 39 runs on a site copy of the example: an MSP's shared cluster with two customers' IdPs federated as issuers (Acme's Okta, Borealis' Keycloak; each held to aal2 and its own namespaces since session 46), tickets across customers' namespaces, a patch window's drains, a customer's night break-fix, Prometheus' node proxy and a ticketing bot.
  ['39', workday39, [371, 372, 373, 374, 375], { site: D39_SITE }],
  // Day 40: a platform team's maintenance weekend on a self-managed kubeadm cluster (1.34 → 1.35: etcd snapshots, the Gatekeeper webhook deleted and re-created, CSR approvals, drains in waves and a pool rolled back, CRD storage-version migration, deprecated manifests re-applied server-side, a vendor's screen-share, on-call at home, developers on Sunday evening); a site copy dating the vendor's temporary account to Saturday's screen-share (access_windows[]).
  ['40', workday40, [381, 382, 383, 384, 385], { site: D40_SITE }],
  // Day 41: a mobile operator's 5G core on an edge cluster (admins checking RBAC by impersonation, a 24/7 NOC in shifts, field engineers on CGNAT that moves every hour, Multus/SR-IOV attachments, DPDK lab pods, a vendor's CNF upgrade at 01:00, a lawful-intercept namespace); a site copy of the example with the regulator's lawful-intercept rule.
  ['41', workday41, [391, 392, 393, 394, 395], { site: D41_SITE }],
  // Day 41 with the site's first lawful-intercept rule (`--days=41h`): sensitivity 40 and refused when high (`SITE_HIGH_DENY`), the shape that refused the LI officer, a newcomer, every day until session 48's `risk.learn.newcomer_refusals`.
  ['41h', workday41, [391, 392, 393, 394, 395], { site: D41_SITE_HIGH_DENY }],
  // Day 42: a public broadcaster's election night (data journalists flipping feature flags in ConfigMaps, results overrides, freelancers and a partner agency on temporary accounts from their own laptops, a war room on the venue's guest Wi-Fi, a shared tmux on a cloud VM, HPA ceilings raised and a burst node pool, CDN purges as Jobs); a site copy naming the broadcaster's hostnames in host_owners.
  ['42', workday42, [401, 402, 403, 404, 405], { site: D42_SITE }],
  // Day 43: a drug-discovery company's ML platform (Kubeflow profiles per research team, notebooks holding the profile's token and a data scientist's own, TensorBoard port-forwards, GPU quotas resized for a screening campaign, nightly pipelines from CI, a contract lab in Hyderabad working Basel's night); a site copy naming its Kubeflow dashboard's host in kubeflow-profile-access.
  ['43', workday43, [411, 412, 413, 414, 415], { site: D43_SITE }],
  // Day 44: a hospital group's clinical platform on a regulated cluster pair (a quarterly DR test on the standby, clinical-app developers and nurses on one VDI pool's address, an integration engineer's HL7 cut-over at night from home, a PACS vendor through the bastion, the break-glass account used while the IdP's federation is degraded); a site copy naming its two clusters in kubernetes.clusters.
  ['44', workday44, [421, 422, 423, 424, 425], { site: D44_SITE }],
  // Day 45: a game studio's live-ops the day after a season launch, follow-the-sun between Montréal and Seoul (handovers at 00:00 and 12:00 UTC), Agones Fleets, GameServers and FleetAutoscalers scaled by hand, a build farm pushing a staging image every 8 minutes, anti-cheat engineers reading players' session-key Secrets, moderators on a web tool behind the gateway, a 03:00 hotfix; a site copy with the arena Fleets' replica_floors and the publisher's QA contractor's access_windows.
  ['45', workday45, [431, 432, 433, 434, 435], { site: D45_SITE }],
  // Day 46: an open-source foundation's community infrastructure (Prow, Tekton CI and the release pipeline that signs, a package mirror, docs previews) run by volunteers in eight time zones on personal devices: no office or VPN, three maintainers at the foundation's summit on one venue Wi-Fi, an iPad approving the release's gate on a carrier's CGNAT, a phone, distributions' kubectl builds, a maintainer who signs in once a month, a release bot and a preview deployer; a site copy asking people's writes in the release and mirror namespaces for two factors within the hour.
  ['46', workday46, [441, 442, 443, 444, 445], { site: D46_SITE }],
  // Day 47: a card-payments fintech on the Monday after a reorganisation (teams merged, IdP groups renamed at 09:00, two engineers moved, an intern's first week), a 1.30 to 1.31 upgrade in a war room (kubectl changing mid-day, flowcontrol v1, autoscaling/v2, drains), an external pentest firm's account in a window, GitHub Actions OIDC deploying to staging; a site copy with GitHub's issuer as automation, the pentest account's access window and scope, Headlamp's host.
  ['47', workday47, [451, 452, 453, 454, 455], { site: D47_SITE }],
  // Day 48: a platform team that runs its cloud infrastructure as Kubernetes resources (Crossplane claims and compositions over Upbound's provider-aws, ACK Buckets, security groups, IAM Roles and KMS Keys in the teams' namespaces, External Secrets through one ClusterSecretStore), Backstage's scaffolder creating dev namespaces and claims, Argo CD applying production claims in-cluster, two engineers travelling (Lisbon, Berlin), an on-call paged at 02:10 for the orders database; a site copy adding ACK's KMS group to the cloud identity objects and its own claims to production's durable deletes.
  ['48', workday48, [461, 462, 463, 464, 465], { site: D48_SITE }],
  // Day 49: a SaaS company's ephemeral preview environments (a namespace per pull request made by a bot, a vcluster preview and its syncer, Telepresence, devspace and vcluster connect from laptops, developers in production only at the 15:00 release, a release manager, a weekly kube-bench Job, trivy-operator's reports, an outside contributor's preview); the example as shipped.
  ['49', workday49, [471, 472, 473, 474, 475], {}],
];
