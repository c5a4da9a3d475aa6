/**
 * The approval pages live on the step-up listener, under the public origin of `stepup.url`
 * (which is where the gateway routes /.stepgate/ and where the session cookie is set).
 */
export const APPROVALS_PATH = '/.stepgate/approvals';

export function approvalBaseUrl(stepupUrl: string): string {
  return `${new URL(stepupUrl).origin}${APPROVALS_PATH}/`;
}

export function approvalUrl(stepupUrl: string, id: string): string {
  return approvalBaseUrl(stepupUrl) + id;
}
