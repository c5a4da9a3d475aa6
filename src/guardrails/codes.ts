/**
 * The closed set of guardrail violation codes. Like reason codes they are a stable vocabulary:
 * they name config keys (`guardrails.effects.<code>`), appear in decision details, `explain`,
 * logs and spans, so renaming one breaks policies and alerts. docs/guardrails.md documents each.
 * This module has no imports so that the config schema can name the codes.
 */
export const GUARDRAIL_CODES = [
  'privileged_container',
  'privilege_escalation',
  'capability_added',
  'host_namespace',
  'host_path_volume',
  'run_as_root',
  'image_registry_not_allowed',
  'image_not_pinned',
  'image_latest_tag',
  'rbac_cluster_admin_binding',
  'rbac_wildcard',
  'rbac_escalation_verbs',
  'rbac_secrets_cluster_wide',
  'delete_protected',
  'impersonation',
  // cel branch: the cluster's own policies (guardrails.cluster_policies).
  'cluster_policy',
  'cluster_policy_unreadable',
] as const;

export type GuardrailCode = (typeof GUARDRAIL_CODES)[number];

/** Why a body could not be inspected; each maps to the `unreadable_body` effect. */
export type UnreadableOutcome = 'body_truncated' | 'body_unreadable';

/** The key under which effects for unreadable bodies are configured (top level and per namespace). */
export const UNREADABLE_KEY = 'unreadable_body';

export const DEFAULT_DANGEROUS_CAPABILITIES = [
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_BOOT',
  'SYS_TIME',
  'DAC_READ_SEARCH',
  'BPF',
  'PERFMON',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
] as const;
