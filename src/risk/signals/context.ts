import type { RiskConfig } from '../../config/schema.js';
import type { Identity } from '../../identity/identity.js';
import type { ClientAddress } from '../../request/client-ip.js';
import type { SubjectHistory } from '../../state/store.js';
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
}

export type Signals = RiskConfig['signals'];

/** A signal adds zero or more contributions; it never throws and never does I/O. */
export type Signal = (ctx: SignalContext, cfg: Signals, out: Contribution[]) => void;
