/**
 * Names and counts the accelerator reading (guardrails/accelerators.ts) and the
 * `accelerators_above_history` signal (risk/signals/accelerators.ts) share: the signal words its
 * detail from them.
 */

/** Larger counts are read as this one: far above any node's, and the sums stay exact integers. */
export const MAX_ACCELERATOR_COUNT = 1_000_000;
/** What a DRA request of `allocationMode: All` asks: every matching device, read as the cap. */
export const ALL_DEVICES = MAX_ACCELERATOR_COUNT;
/** The name a pod's claim from a DRA ResourceClaimTemplate is counted under (`…:<template>`). */
export const CLAIM_TEMPLATE_PREFIX = 'resourceclaimtemplate:';
