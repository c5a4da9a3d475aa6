import type { ActionKind, RiskConfig } from '../../config/schema.js';
import type { Identity } from '../../core/identity.js';
import type { ClientAddress } from '../../request/client-ip.js';
import type { SubjectHistory, WorkHistory } from '../../state/store.js';
import type { Contribution } from '../codes.js';
import type { Device } from '../device.js';

/** Everything a signal may look at for one request. Signals are pure functions of it. */
export interface SignalContext {
  readonly history: SubjectHistory;
  readonly address: ClientAddress;
  /** The address is inside `risk.trusted_networks`. */
  readonly trustedNetwork: boolean;
  readonly device: Device;
  /** The client kind (device.ts clientKind); '' when unknown. */
  readonly client: string;
  readonly identity: Identity;
  /** Highest `sensitivity` of the matching policy rules. */
  readonly sensitivity: number;
  readonly nowMs: number;
  /** The store could not be read: history is a pessimistic stand-in (docs/risk.md). */
  readonly degraded: boolean;
  /** The working set, pace and site (undefined: the store keeps none, or nothing to look at). */
  readonly work?: WorkHistory | undefined;
  /** What the request does, for the behaviour signals. */
  readonly action?: Action | undefined;
  /** A move between operator-named sites faster than `impossible_travel.max_kmh`; undefined when none. */
  readonly travel?: Travel | undefined;
  /** A new network vouched for by a sign-in's fresh proof of its neighbour (engine.ts vouched). */
  readonly nearbyVouched?: boolean;
  /** A new network of a roaming site the subject moved to after a pause (engine.ts roamed): the site's name, '' none. */
  readonly roamedIn?: string;
  /** A new network reached by a proven client certificate, with `risk.learn.certificate_roams` (engine.ts). */
  readonly certificateRoams?: boolean;
  /**
   * A new network inside the /16 (or /48) of one this request's client certificate proved in this
   * very login, with `risk.learn.certificate_nearby` (engine.ts carriedBy).
   */
  readonly certificateNearby?: boolean;
  /**
   * A new network of any /16, reached by a client certificate that proved another network in this
   * very login, after neither was used for `certificate_nearby.move_after_seconds` (engine.ts movedWith).
   */
  readonly certificateMoved?: boolean;
  /**
   * A new network of any /16, reached by the device (its user agent, certificate or cookie) and
   * login that proved another network with a sign-in, after neither was used for
   * `risk.learn.login_move_after_seconds` (engine.ts movedWith).
   */
  readonly loginMoved?: boolean;
  /**
   * A first Secret list across all namespaces, in a cluster worked in, that the sign-in in use
   * covers under `cluster_secret_list_grace_seconds` at the learning level (engine.ts listCovered):
   * it weighs nothing. Never without the key.
   */
  readonly listCovered?: boolean;
  /**
   * The strongest assurance level this identity's allowed requests proved within the known TTL,
   * read only where `assurance_downgrade` can fire (engine.ts downgradePossible); undefined
   * elsewhere, and when none is recorded.
   */
  readonly strongest?: Strongest | undefined;
  /**
   * When a subject revocation of this identity on record was made (ms; 0 or undefined: none;
   * IncidentBoard.subjectRevokedAt, asked only with `incident` configured): no newcomer allowance
   * then (context-bound.ts contextBound, engine.ts learnContext).
   */
  readonly revokedAt?: number;
  /**
   * A person's write whose pod templates ask for accelerators (guardrails' `accelerators`), with the
   * largest counts its allowed writes asked before (StateStore.acceleratorsAsked); undefined for
   * every other request, and where the signal is off.
   */
  readonly accelerators?: AcceleratorHistory | undefined;
}

export interface AcceleratorHistory {
  /** This write's counts, plus what the identity's allowed writes of the window asked (`own` absent: this write's alone). */
  readonly asked: Readonly<Record<string, number>>;
  readonly before: Readonly<Record<string, number>>;
  /** This write's own counts, where the window added others' to `asked` (StateStore.acceleratorsRecent). */
  readonly own?: Readonly<Record<string, number>>;
  /** The window summed over (ms), for the detail. */
  readonly windowMs?: number;
}

export interface Strongest {
  /** Its rank in the assurance model. */
  readonly rank: number;
  readonly name: string;
  /** `assurance.levels[].description`, '' none. */
  readonly description: string;
}

export interface Action {
  /** The matching rules weigh it (Secrets, exec, prod writes…). */
  readonly sensitive: boolean;
  readonly destructive: boolean;
  /**
   * Its place in the working set: the namespace ('' none; `*`, `**` for a list across all
   * namespaces; `/namespaces` for a change to a Namespace object, store.ts NAMESPACE_OBJECTS).
   */
  readonly namespace: string;
  /** `get secrets` across all namespaces (`GET /api/v1/secrets`, list or watch). */
  readonly clusterSecretList: boolean;
  /** Verb and resource, for details: "delete pods". */
  readonly what: string;
  /** kubernetes.clusters' name for the cluster it is on; '' none named. */
  readonly cluster: string;
  /**
   * Its sensitive kind for `unfamiliar_kind` (config ACTION_KINDS: `secret_read`, `pod_shell`, `proxy`); ''
   * none, and for automation, which cannot sign in.
   */
  readonly kind: ActionKind | '';
  /**
   * A Secret read (or a workload handed a Secret) in a namespace named as production, set only
   * where `unfamiliar_namespace.grace_production_secrets` is false: no sign-in before the
   * namespace's first sighting covers it (context-bound.ts namespaceGrace).
   */
  readonly productionSecret?: boolean;
}

/** "namespace payments-prod", with its cluster when several are named: "namespace payments-prod of cluster dublin". */
export function namespaceText(a: Action): string {
  return a.cluster === '' ? `namespace ${a.namespace}` : `namespace ${a.namespace} of cluster ${a.cluster}`;
}

export interface Travel {
  readonly from: string;
  readonly to: string;
  readonly km: number;
  readonly minutes: number;
  readonly kmh: number;
}

export type Signals = RiskConfig['signals'];

/** Where a signal adds its contributions: an array, or scoreRisk's reused list. */
export interface ContributionSink {
  push(c: Contribution): void;
}

/** A signal adds zero or more contributions; it never throws and never does I/O. */
export type Signal = (ctx: SignalContext, cfg: Signals, out: ContributionSink) => void;
