/** The risk section the scenario tests run with: small, readable thresholds. */
export const RISK_YAML = `
network:
  xff_num_trusted_hops: 1
risk:
  trusted_networks: [192.0.2.0/24]
  learn: { min_level: aal2, max_age_seconds: 900 }
  signals:
    new_ip: 10
    new_network: 40
    new_device_fingerprint: 10
    first_seen: 10
    sensitive_rate: { window_seconds: 60, threshold: 30, weight: 45 }
    denials: { window_seconds: 300, threshold: 1000, weight: 20 }
  bands:
    - { name: elevated, min_score: 40, require: aal2, max_age: 900 }
    - { name: high, min_score: 60, max_age: 60 }
    - { name: critical, min_score: 90, deny: true, message: "Unusual activity on your account: ask #platform-oncall." }
`;

/** Sensitivities for the test policy's rules, appended under each by name. */
export function withSensitivity(yaml: string, weights: Record<string, number>): string {
  let out = yaml;
  for (const [rule, w] of Object.entries(weights)) {
    out = out.replace(new RegExp(`(    - name: ${rule}\\n)`), `$1      sensitivity: ${w}\n`);
  }
  return out;
}
