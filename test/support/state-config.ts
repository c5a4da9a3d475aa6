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
