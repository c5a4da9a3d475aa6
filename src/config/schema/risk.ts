import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { checkEffect, cidr, effectFields, modeSchema, nonEmpty, seconds } from './common.js';

/**
 * `unfamiliar_namespace.environments`' default tiers, highest first: a namespace name's token
 * among them is its environment (risk/namespace-family.ts).
 */
export const DEFAULT_ENVIRONMENTS: string[][] = [
  ['prod', 'production', 'prd', 'live'],
  ['staging', 'stage', 'stg', 'uat', 'preprod'],
  ['dev', 'development', 'test', 'qa', 'sandbox', 'preview', 'int'],
];

/** One `-`-separated token of a namespace name. */
const environmentToken = z.string().regex(/^[a-z0-9]{1,63}$/, 'lower-case letters and digits only (one token of a namespace name)');

/** A token in two tiers would make its namespaces both higher and lower than each other. */
const uniqueTokens = (tiers: string[][], ctx: z.RefinementCtx): void => {
  const seen = new Set<string>();
  tiers.forEach((tier, i) =>
    tier.forEach((t, j) => {
      if (seen.has(t)) ctx.addIssue({ code: 'custom', path: [i, j], message: `environment ${t} is listed twice` });
      seen.add(t);
    }),
  );
};

/** A weight added to the risk score; 0 turns the signal off. */
export const weight = z.number().int().min(0).max(100);

/**
 * The sensitive kinds of action `unfamiliar_kind` compares with what the identity has done
 * (risk/engine.ts actionOf): `secret_read`, a get, list or watch of Secrets or a workload handed
 * a Secret; `pod_shell`, exec, attach, an ephemeral container, a port-forward, and the pod and
 * service proxies unless `proxy` is listed; `proxy`, the API server's proxy into a pod's or a
 * Service's HTTP endpoints (`pods/…/proxy`, `services/…/proxy`); `pod_copy`, an exec of a copy or
 * dump program (`kubectl cp`'s tar, `pg_dump`, …: risk/pod-copy.ts), else one of `pod_shell`;
 * `database_copy`, such an exec that copies a database (a dump program, `redis-cli --rdb`,
 * `etcdctl snapshot`, a copy of a database's data directory: pod-copy.ts copyOf), else one of
 * `pod_copy` (or `pod_shell` where that is not listed either);
 * `production_tunnel`, a port-forward into a namespace named as production (the top tier of
 * `unfamiliar_namespace.environments`), else one of `pod_shell`; `production_secret_read`, a
 * `secret_read` in a namespace named as production, else one of `secret_read`.
 */
export const ACTION_KINDS = ['secret_read', 'pod_shell', 'proxy', 'pod_copy', 'database_copy', 'production_tunnel', 'production_secret_read'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const counterSignal = (window: number, threshold: number, w: number) =>
  z
    .strictObject({
      window_seconds: z.number().int().min(1).max(86_400).default(window),
      threshold: z.number().int().min(1).default(threshold),
      weight: weight.default(w),
    })
    .prefault({});

export const bandSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
    min_score: z.number().int().min(1).max(100),
    mode: modeSchema.default('enforce'),
    ...effectFields,
  })
  .superRefine(checkEffect('a band'));

/**
 * The risk engine (docs/configuration.md#risk). Absent means off: no state is kept and the
 * requirement is the policy's alone.
 */
export const riskSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** shadow: every band and the context binding are reported, never enforced (the score still is). */
  mode: modeSchema.default('enforce'),
  trusted_networks: z.array(cidr).default([]),
  ipv4_prefix: z.number().int().min(8).max(32).default(24),
  /**
   * /56, not /64: a /64 is one VLAN, and a site (an office, a home) numbers its VLANs inside the
   * /56 or /48 its provider delegated, so a laptop moving to the meeting room's Wi-Fi is not a new
   * network. RIPE-690 has providers delegate a /56 to a home and a /48 to a business; where a
   * mobile carrier hands each phone a /64, a /56 is 256 phones, fewer than share a carrier-NAT /24.
   */
  ipv6_prefix: z.number().int().min(16).max(128).default(56),
  /**
   * The wider network around a proven one (docs/risk.md#networks-that-move): a new network inside
   * it weighs as a new address, not a new network, and does not bind the requirement. Set equal
   * to ipv4_prefix / ipv6_prefix to turn it off.
   */
  nearby_networks: z
    .strictObject({
      ipv4_prefix: z.number().int().min(8).max(32).default(16),
      ipv6_prefix: z.number().int().min(16).max(128).default(32),
      /**
       * How many distinct networks inside a wider one the subject must have proven before it counts
       * as known: 2 tells a phone or a rotating IPv6 prefix (which prove several) from a static jump
       * host in a cloud region (one), whose neighbours are anyone renting a VM there. 1 learns it
       * from the first, as before.
       */
      min_networks: z.number().int().min(1).max(8).default(2),
      /**
       * For this long after a network inside a wider one (not yet known) is proven, a token whose
       * sign-in is at most this much older than that proof may use another network of the same
       * wider one as a new address, not a new network: a phone on carrier NAT or a VPN pool moving
       * /24 minutes after the sign-in that answered the first move. 0: off (every such move asks).
       */
      vouch_seconds: z.number().int().min(0).max(3600).default(0),
    })
    .prefault({}),
  learn: z
    .strictObject({
      min_level: nonEmpty,
      /**
       * The newcomer allowance, and nothing else: for a subject with nothing proven yet, an
       * authentication up to this long before a part of its context was first seen counts as made
       * there. It is not how recent a proof must be for anyone else (that is strict: after the
       * first sighting). `max_age_seconds` is the older name of the same setting.
       */
      newcomer_grace_seconds: seconds.min(1).max(86_400).optional(),
      max_age_seconds: seconds.min(1).max(86_400).optional(),
      /**
       * A kind of client (device.ts clientKind) first seen at most this long after the login's
       * sign-in is proven by that sign-in, as a namespace is under `unfamiliar_namespace.grace_seconds`:
       * a notebook kernel or `ray job submit` opened after the morning's kubectl. 0: off (a client
       * kind never proven needs a sign-in after its first sighting).
       */
      client_grace_seconds: seconds.min(0).max(86_400).default(0),
      /**
       * What a refusing band (a band's `deny`, a rule's `by_band` deny) does to a newcomer (nothing
       * proven yet, not revoked) whose score reached it only through its unproven context (a new
       * network, device or client kind): `ask` (the default) asks a sign-in made after that context
       * was first seen, with no newcomer allowance, and applies what the score without the context
       * change reaches (a refusal there stays); `refuse` refuses as the band says. A newcomer has no
       * usual context to differ from, and a refused request proves nothing, so under `refuse` one
       * whose whole job is inside such a rule is refused every day (docs/risk.md, day 41).
       */
      newcomer_refusals: z.enum(['ask', 'refuse']).default('ask'),
      /**
       * A network never seen, reached by a client certificate the subject has proven, weighs like a
       * new address and is learned: the managed laptop moved (a VPN's new egress range, a hotel). Only where the devices' keys cannot leave
       * them (a TPM, a Secure Enclave): a key copied with the token would carry any network.
       */
      certificate_roams: z.boolean().default(false),
      /**
       * A network never seen, inside the /16 (IPv4) or /48 (IPv6) of a network that this very
       * client certificate and this very login proved (a request of theirs that made it known),
       * weighs like a new address and is learned: a train's Wi-Fi or a phone's tether moving /24
       * on its carrier's NAT after the sign-in that proved the first. Narrower than
       * certificate_roams: the key and the token copied together are carried only inside the /16
       * where the engineer's own login proved a network. Kept per process (engine.ts carriedBy).
       */
      certificate_nearby: z
        .strictObject({
          enabled: z.boolean().default(false),
          ipv4_prefix: z.number().int().min(8).max(31).default(16),
          ipv6_prefix: z.number().int().min(16).max(127).default(48),
          /**
           * 0: off. Otherwise the same certificate and login, proven together on one network, carry
           * to a network of any /16 reached after neither was used for this long (the laptop left
           * the hotel for the venue): a copy used beside the laptop while it works is in use within
           * minutes of it, and is asked as before (engine.ts certificateMoved).
           */
          move_after_seconds: z.number().int().min(0).max(86_400).default(0),
        })
        .prefault({}),
      /**
       * 0: off. Otherwise a login (IdP session and sign-in time) that proved a network with a
       * sign-in, from a device (certificate, cookie or user agent), carries to a network of any /16
       * reached by that device after neither was used for this long: a Codespace resumed on
       * another VM after lunch, a store technician's iPad at the next store, the office after the
       * commute. A copy of the token used while its owner works is in use within minutes of it,
       * and is asked as before; one used while the owner is away for this long is not (the price,
       * docs/risk.md "Session 47"). Kept per process (engine.ts movedWith).
       */
      login_move_after_seconds: z.number().int().min(0).max(86_400).default(0),
      /**
       * Accounts the IdP can only sign in below `min_level` (an auditor's read-only account, a
       * password only), by group: a context-bound step-up asks a member, whose token is below
       * `min_level`, for a sign-in at `level` (or the rule's, whichever is higher) made after the
       * context's first sighting, with no newcomer grace, instead of one at `min_level` it can
       * never make. Such a sign-in proves the context for that request only: nothing is learned
       * from it, so a rule at `min_level` or above is never met by it (engine.ts lowerProof).
       */
      below_min_level: z
        .array(
          z.strictObject({
            groups: z.array(nonEmpty).min(1),
            level: nonEmpty,
          }),
        )
        .default([]),
    })
    .superRefine((l, ctx) => {
      if (l.newcomer_grace_seconds !== undefined && l.max_age_seconds !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['max_age_seconds'], message: 'max_age_seconds is the older name of newcomer_grace_seconds: set only one' });
      }
    })
    .transform(({ newcomer_grace_seconds, max_age_seconds, ...rest }) => ({ ...rest, newcomer_grace_seconds: newcomer_grace_seconds ?? max_age_seconds ?? 900 })),
  signals: z
    .strictObject({
      new_ip: weight.default(10),
      new_network: weight.default(25),
      trusted_network: z.number().int().min(-100).max(0).default(-15),
      new_device: weight.default(20),
      new_device_fingerprint: weight.default(10),
      ua_family_change: weight.default(15),
      first_seen: weight.default(10),
      token_age: z
        .strictObject({ after_seconds: seconds.min(1).default(28_800), weight: weight.default(10) })
        .prefault({}),
      request_rate: counterSignal(60, 300, 20),
      sensitive_rate: counterSignal(60, 30, 30),
      denials: counterSignal(300, 10, 20),
      namespaces: counterSignal(600, 8, 15),
      // Behaviour: thresholds count distinct objects and deletes, so an enumeration shows within
      // about ten requests while an on-call engineer's handful of reads and restarts does not.
      sensitive_objects: counterSignal(120, 6, 45),
      // A burst of deletes is refused outright (deny: true): the insider who does it is freshly
      // signed in and would satisfy any freshness (docs/risk.md).
      destructive: z
        .strictObject({
          window_seconds: z.number().int().min(1).max(86_400).default(300),
          threshold: z.number().int().min(1).default(12),
          weight: weight.default(45),
          deny: z.boolean().default(true),
        })
        .prefault({}),
      // Behaviour unlike this identity's own (docs/risk.md#behaviour-unlike-the-identitys-own): a
      // sensitive action in a namespace outside its working set; many distinct sensitive objects at
      // machine pace; a Secret list across all namespaces.
      // grace_namespaces: how many namespaces outside the working set one sign-in may enter under
      // grace_seconds; the next needs a sign-in after it was first seen (0: no grace at all).
      unfamiliar_namespace: z
        .strictObject({
          weight: weight.default(10),
          grace_seconds: seconds.min(0).max(86_400).default(3600),
          grace_namespaces: z.number().int().min(0).max(1000).default(5),
          // Environment tiers, highest first: a namespace in the working set covers the lower
          // environments of the same application (`prod-ledger` covers `ledger-staging`), never a
          // higher one (risk/namespace-family.ts). []: off.
          environments: z.array(z.array(environmentToken).min(1)).max(16).default(() => DEFAULT_ENVIRONMENTS.map((t) => [...t])).superRefine(uniqueTokens),
          // An application's components: a name that extends a working-set application's by more
          // tokens (`prod-payments-batch` while `prod-payments` is in it) is covered at the same or
          // a lower tier, as a lower environment is (risk/namespace-family.ts coversComponent).
          components: z.boolean().default(true),
          // false: a Secret read (or a workload handed a Secret) in a namespace named as production
          // (the top tier of `environments`) outside the working set is covered by no sign-in made
          // before the namespace's first sighting, and a request there under the grace teaches
          // nothing: malware that waits for the engineer's fresh sign-in reads no other team's
          // production Secret on it (docs/risk.md "Session 44"). true: the grace covers them too.
          grace_production_secrets: z.boolean().default(true),
        })
        .prefault({}),
      // A sensitive kind of action (a Secret read; a shell or tunnel into a pod when listed) this identity never
      // did from a proven context, once its history is `min_history_seconds` old: a read-only
      // analyst's or support engineer's token reading a Secret in a namespace they look at every
      // day. Bound to a sign-in after the kind's first sighting, which learns it (docs/risk.md).
      unfamiliar_kind: z
        .strictObject({
          weight: weight.default(10),
          min_history_seconds: seconds.min(0).max(2_592_000).default(72_000),
          // A kind first seen at most this long after the sign-in in use is covered by it (the
          // Deployment that mounts a Secret, applied seconds after the hardware key a rule asked
          // for). 0: none, a sign-in after the first sighting (docs/risk.md, session 44).
          grace_seconds: seconds.min(0).max(3600).default(0),
          // Secret reads only by default: shells added 40 routine challenges over the replayed days'
          // 80 warm-up-day replays for one more attack row stopped on one seed; with the service
          // proxy, 53 and 23 more engineers asked twice over 110 (docs/risk.md). `proxy` alone
          // costs none there (the example lists it).
          kinds: z.array(z.enum(ACTION_KINDS)).max(ACTION_KINDS.length).default((): ActionKind[] => ['secret_read']),
        })
        .prefault({}),
      // A write whose pod templates ask for more of an accelerator (nvidia.com/gpu, google.com/tpu,
      // a MIG slice; replicas counted) than `ratio` times the largest this identity's allowed writes
      // asked within the known TTL, or for one it never asked once its history is
      // `min_history_seconds` old. Bound to a sign-in at most `grace_seconds` before the request,
      // which teaches the new largest (docs/risk.md "accelerators_above_history"). Read from the
      // guardrails' reading of the body: quiet where guardrails are off. weight 0: off.
      accelerators_above_history: z
        .strictObject({
          weight: weight.default(10),
          ratio: z.number().min(1).max(1000).default(2),
          min_history_seconds: seconds.min(0).max(2_592_000).default(72_000),
          grace_seconds: seconds.min(0).max(3600).default(300),
          // A write's ask is summed with what this identity's allowed writes asked in the last
          // window_seconds (sixteen one-GPU Jobs in two minutes ask sixteen, as one Job of sixteen
          // does), and a sum answered by a sign-in is the new largest. 0: each write alone.
          window_seconds: seconds.min(0).max(86_400).default(600),
        })
        .prefault({}),
      // A run of nothing but reads of objects this identity read before from a proven context
      // (familiar_seconds after that read, at most familiar_objects of them) counts none:
      // `terraform plan` refreshing the same six Secrets is routine. One new object in the run
      // counts them all, as before. 0: off.
      machine_pace: z
        .strictObject({
          window_seconds: z.number().int().min(1).max(86_400).default(20),
          threshold: z.number().int().min(1).default(3),
          weight: weight.default(45),
          familiar_seconds: seconds.max(2_592_000).default(604_800),
          familiar_objects: z.number().int().min(1).max(1024).default(64),
          // A run that goes over the threshold again within this long after a sign-in made after
          // it began was seen is the same run: the loop an engineer signed in for goes on. 0: off.
          resume_seconds: seconds.max(3600).default(300),
        })
        .prefault({}),
      cluster_secret_list: weight.default(30),
      // How long after the sign-in in use a first Secret list across all namespaces, in a cluster
      // the identity has worked in, is covered by it (absent: unfamiliar_namespace.grace_seconds,
      // as before). Never in a cluster it has not worked in (WorkHistory.clusterKnown).
      cluster_secret_list_grace_seconds: seconds.min(0).max(86_400).optional(),
      impossible_travel: z
        .strictObject({ max_kmh: z.number().int().min(1).max(100_000).default(900), weight: weight.default(40) })
        .prefault({}),
      // A device never proven that first appeared after this sign-in was already in use (a session
      // replayed from another device): binds to a sign-in at most grace_seconds before it appeared.
      // Off by default: a browser sharing kubectl's login, first opened after a move, looks the same.
      // A client on an operating system this login was never used with by the same kind of client
      // (kubectl on Windows in a login used by kubectl on Linux), from a device never proven: the
      // token was copied to another computer. Binds to a sign-in after that device appeared.
      platform_change: weight.default(20),
      // A login used with a client certificate the gateway verified, now used without one, from a
      // device never proven: its token was taken to a machine without the certificate (an
      // unmanaged laptop, a forged x-forwarded-client-cert). Binds to a sign-in after that device
      // appeared. Silent where no client presents a certificate.
      certificate_missing: weight.default(20),
      // A sign-in weaker than the strongest this identity's allowed requests proved (a code where it
      // only ever used a hardware key) from a network and a device both never proven: a helpdesk-
      // reset caller's own authenticator. Requires that strongest level, which the caller cannot
      // produce. Adds nothing to the score (it asks for a level, not a band). Off: false.
      assurance_downgrade: z.boolean().default(false),
      session_new_device: z
        .strictObject({ weight: weight.default(0), grace_seconds: seconds.min(0).max(86_400).default(3600) })
        .prefault({}),
    })
    .prefault({}),
  /**
   * Operator-named sites (offices, data centres, VPN egress) with coordinates, for impossible
   * travel: two sightings at sites farther apart than `impossible_travel.max_kmh` allows.
   */
  locations: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
        cidrs: z.array(cidr).min(1),
        lat: z.number().min(-90).max(90),
        lon: z.number().min(-180).max(180),
        // One organisation's many networks a person moves between (a chain's stores): a move
        // between two of them after this long without a request from the site is not a copy.
        roam_after_seconds: seconds.max(86_400).default(0),
      }),
    )
    .default([]),
  bands: z.array(bandSchema).default([]),
  known_ttl_seconds: seconds.min(60).default(2_592_000),
  /**
   * How long a subject's proven mark (the time of its last proven context, one number a subject)
   * is kept after that proof: a subject idle past known_ttl_seconds, whose records expired, is
   * still no newcomer to a refusing band (learn.newcomer_refusals) for this long. Also how long a
   * store that started without its history (memory without a snapshot, a lost snapshot, Redis
   * flushed or evicting) refuses unknown subjects there: it cannot vouch that they proved nothing.
   */
  proven_ttl_seconds: seconds.min(60).default(15_552_000),
  /**
   * A person back after a long silence (docs/risk.md "Session 50: a dormant account"): a subject
   * with nothing in its context records (idle past known_ttl_seconds, or never seen) whose last
   * proof is older than `after_seconds` (its proven mark), or, with `unproven: dormant`, who has no
   * mark at all (idle past proven_ttl_seconds, or new), meets `require` at its first request a rule
   * asks `learn.min_level` or more of. A takeover through the account's e-mail holds every factor
   * the identity provider offers, so `refuse` (the default) is the one answer it cannot give: an
   * administrator who has confirmed the person out of band revokes the subject (`stepgate revoke
   * subject`), which ends every earlier credential, and the sign-in after it is let through. A level
   * name asks a sign-in at that level instead. Absent: off.
   */
  dormant: z
    .strictObject({
      after_seconds: seconds.min(86_400),
      unproven: z.enum(['newcomer', 'dormant']).default('newcomer'),
      require: nonEmpty.default('refuse'),
    })
    .optional(),
  max_known_per_subject: z.number().int().min(1).max(256).default(16),
});

/** How each `risk` key applies on reload (schema/apply.ts). */
export const RISK_APPLY = {
  'risk.enabled': 'live',
  'risk.mode': 'live',
  'risk.trusted_networks': 'live',
  'risk.ipv4_prefix': 'live',
  'risk.ipv6_prefix': 'live',
  'risk.nearby_networks.ipv4_prefix': 'live',
  'risk.nearby_networks.ipv6_prefix': 'live',
  'risk.nearby_networks.min_networks': 'live',
  'risk.nearby_networks.vouch_seconds': 'live',
  'risk.learn.min_level': 'live',
  'risk.learn.newcomer_grace_seconds': 'live',
  'risk.learn.max_age_seconds': 'live',
  'risk.learn.client_grace_seconds': 'live',
  'risk.learn.newcomer_refusals': 'live',
  'risk.learn.certificate_roams': 'live',
  'risk.learn.certificate_nearby.enabled': 'live',
  'risk.learn.certificate_nearby.ipv4_prefix': 'live',
  'risk.learn.certificate_nearby.ipv6_prefix': 'live',
  'risk.learn.certificate_nearby.move_after_seconds': 'live',
  'risk.learn.login_move_after_seconds': 'live',
  'risk.learn.below_min_level[].groups': 'live',
  'risk.learn.below_min_level[].level': 'live',
  'risk.signals.new_ip': 'live',
  'risk.signals.new_network': 'live',
  'risk.signals.trusted_network': 'live',
  'risk.signals.new_device': 'live',
  'risk.signals.new_device_fingerprint': 'live',
  'risk.signals.ua_family_change': 'live',
  'risk.signals.first_seen': 'live',
  'risk.signals.token_age.after_seconds': 'live',
  'risk.signals.token_age.weight': 'live',
  'risk.signals.request_rate.window_seconds': 'live',
  'risk.signals.request_rate.threshold': 'live',
  'risk.signals.request_rate.weight': 'live',
  'risk.signals.sensitive_rate.window_seconds': 'live',
  'risk.signals.sensitive_rate.threshold': 'live',
  'risk.signals.sensitive_rate.weight': 'live',
  'risk.signals.denials.window_seconds': 'live',
  'risk.signals.denials.threshold': 'live',
  'risk.signals.denials.weight': 'live',
  'risk.signals.namespaces.window_seconds': 'live',
  'risk.signals.namespaces.threshold': 'live',
  'risk.signals.namespaces.weight': 'live',
  'risk.signals.sensitive_objects.window_seconds': 'live',
  'risk.signals.sensitive_objects.threshold': 'live',
  'risk.signals.sensitive_objects.weight': 'live',
  'risk.signals.destructive.window_seconds': 'live',
  'risk.signals.destructive.threshold': 'live',
  'risk.signals.destructive.weight': 'live',
  'risk.signals.destructive.deny': 'live',
  'risk.signals.accelerators_above_history.weight': 'live',
  'risk.signals.accelerators_above_history.ratio': 'live',
  'risk.signals.accelerators_above_history.min_history_seconds': 'live',
  'risk.signals.accelerators_above_history.grace_seconds': 'live',
  'risk.signals.accelerators_above_history.window_seconds': 'live',
  'risk.signals.unfamiliar_namespace.weight': 'live',
  'risk.signals.unfamiliar_namespace.grace_seconds': 'live',
  'risk.signals.unfamiliar_namespace.grace_namespaces': 'live',
  'risk.signals.unfamiliar_namespace.environments': 'live',
  'risk.signals.unfamiliar_namespace.components': 'live',
  'risk.signals.unfamiliar_namespace.grace_production_secrets': 'live',
  'risk.signals.unfamiliar_kind.weight': 'live',
  'risk.signals.unfamiliar_kind.min_history_seconds': 'live',
  'risk.signals.unfamiliar_kind.grace_seconds': 'live',
  'risk.signals.unfamiliar_kind.kinds': 'live',
  'risk.signals.machine_pace.window_seconds': 'live',
  'risk.signals.machine_pace.threshold': 'live',
  'risk.signals.machine_pace.weight': 'live',
  'risk.signals.machine_pace.familiar_seconds': 'live',
  'risk.signals.machine_pace.familiar_objects': 'live',
  'risk.signals.machine_pace.resume_seconds': 'live',
  'risk.signals.cluster_secret_list': 'live',
  'risk.signals.cluster_secret_list_grace_seconds': 'live',
  'risk.signals.impossible_travel.max_kmh': 'live',
  'risk.signals.impossible_travel.weight': 'live',
  'risk.signals.platform_change': 'live',
  'risk.signals.certificate_missing': 'live',
  'risk.signals.assurance_downgrade': 'live',
  'risk.signals.session_new_device.weight': 'live',
  'risk.signals.session_new_device.grace_seconds': 'live',
  'risk.locations[].name': 'live',
  'risk.locations[].cidrs': 'live',
  'risk.locations[].lat': 'live',
  'risk.locations[].lon': 'live',
  'risk.locations[].roam_after_seconds': 'live',
  'risk.bands[].name': 'live',
  'risk.bands[].min_score': 'live',
  'risk.bands[].mode': 'live',
  'risk.bands[].require': 'live',
  'risk.bands[].max_age': 'live',
  'risk.bands[].deny': 'live',
  'risk.bands[].message': 'live',
  'risk.known_ttl_seconds': 'live',
  'risk.proven_ttl_seconds': 'live',
  'risk.dormant.after_seconds': 'live',
  'risk.dormant.unproven': 'live',
  'risk.dormant.require': 'live',
  'risk.max_known_per_subject': 'live',
} as const satisfies ApplyTable;
