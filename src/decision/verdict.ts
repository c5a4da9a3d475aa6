import type { Identity } from '../core/identity.js';
import type { Requirement } from '../policy/policy.js';
import type { GuardrailOutcome } from '../guardrails/guard.js';
import type { RiskAssessment } from '../risk/engine.js';
import type { RequestAttributes } from '../request/attributes.js';
import type { ReasonCode } from '../core/reasons.js';
import type { KubeReader } from '../request/raw-read.js';

/** The pipeline's transport-neutral outcome for one request. */
export interface Verdict {
  allow: boolean;
  reason: ReasonCode;
  /** For logs and `explain` only: may quote request data, so it never goes into a response body. */
  detail: string;
  /** Undefined when the request could not be parsed far enough to match rules. */
  requirement: Requirement | undefined;
  identity: Identity | undefined;
  attributes: RequestAttributes | undefined;
  /** Whether the token verdict came from the cache. */
  tokenCached: boolean;
  /** The risk engine's score and reasons; undefined when risk is off or no identity was verified. */
  risk: RiskAssessment | undefined;
  /** Guardrail violations found in the request body; undefined when the request was not inspected. */
  guardrails: GuardrailOutcome | undefined;
  /**
   * The approval id (see src/approvals/request-id.ts) when this verdict is about one: an allow
   * that consumed an approval, or an approval_required / approval_rejected denial.
   */
  approval?: string | undefined;
  /**
   * A step-up for a fresher sign-in: the level rank it asks the sign-in for when that is above
   * `requirement.level`, the presented token's own level kept (policy/policy.ts keptLevel), so the
   * new sign-in does not lose what the old one had. Undefined when the requirement's level is
   * what is asked.
   */
  signIn?: number | undefined;
  /**
   * Shadow mode (docs/rollout.md): what the verdict would be with the shadowed elements that took
   * part enforced too. Undefined when none took part. Reported, never answered.
   */
  shadow?: ShadowVerdict | undefined;
  /**
   * A refusal made before the request had attributes (kubernetes_host_unlisted; request_invalid or
   * header_too_large on a Kubernetes host) of a request known to go to a Kubernetes client: how
   * that client reads it. With attributes, the Responder works it out from them.
   */
  kubeReader?: KubeReader | undefined;
}

/** The would-be verdict of a request some shadowed element took part in. */
export interface ShadowVerdict {
  allow: boolean;
  reason: ReasonCode;
  detail: string;
  requirement: Requirement;
  risk: RiskAssessment | undefined;
  /** The shadowed elements that took part, named as in `rules`: rule names, risk:<band>, risk:context, guardrail:<code>. */
  elements: readonly string[];
}
