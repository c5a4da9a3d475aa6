import type { StoreLimits } from '../../src/state/store.js';

/** The smallest valid configuration file, for tests that add a `state:` section to it. */
export const BASE_YAML = `issuers:
  - issuer: https://login.example.com
    audiences: [kubernetes]
assurance:
  levels:
    - name: aal1
      acr: [urn:example:aal1]
policy:
  default:
    require: aal1
`;

/** Store limits for the state tests: small caps, so LRU drops and counting limits are reached quickly. */
export const TEST_LIMITS: StoreLimits = {
  windows: { requests: 60, sensitive: 60, denials: 300, namespaces: 600 },
  knownTtlSeconds: 3600,
  maxKnownPerSubject: 3,
  sessionTtlSeconds: 600,
  maxNamespacesTracked: 3,
  behaviour: { objectsWindow: 600, objectsThreshold: 8, destructiveWindow: 300, destructiveThreshold: 10 },
  // What the store assumed before the limits had to be given (the schema's defaults are 20 s, 3).
  paceWindow: 20,
  paceThreshold: 3,
  // Shorter than the known TTL and a small cap, so expiry and eviction are reached quickly.
  familiar: { ttlSeconds: 600, max: 3 },
};
