/**
 * The closed set of step-up flow outcomes that end on an error page. Like the Check reason codes
 * they are stable (shown on the page, logged in the audit record); docs/stepup.md documents each.
 * Client mistakes and refusals are 4xx, an unreachable identity provider 502. Only a bug in
 * stepgate itself is a 500 (stepup_internal_error), and even then with this page, no stack.
 */
export const FLOW_ERRORS = {
  stepup_request_invalid: { status: 400, title: 'This step-up link is not valid', hint: 'Go back and open the page you wanted again.' },
  stepup_return_refused: { status: 400, title: 'This step-up link points somewhere stepgate does not send people', hint: 'Open the page you wanted directly; the link you followed may not be genuine.' },
  stepup_state_missing: { status: 400, title: 'This sign-in did not start in this browser, or took too long', hint: 'Open the page you wanted again to start over.' },
  stepup_state_invalid: { status: 400, title: 'This sign-in could not be verified', hint: 'Open the page you wanted again to start over.' },
  stepup_state_expired: { status: 400, title: 'This sign-in took too long', hint: 'Open the page you wanted again to start over.' },
  stepup_state_mismatch: { status: 400, title: 'This sign-in response does not belong to this browser', hint: 'Open the page you wanted again to start over.' },
  stepup_replayed: { status: 400, title: 'This sign-in response was already used', hint: 'If you used the back button, open the page you wanted again.' },
  stepup_access_denied: { status: 403, title: 'The sign-in was cancelled or refused', hint: 'Open the page you wanted again if you want to retry.' },
  stepup_idp_error: { status: 401, title: 'The identity provider could not complete the sign-in', hint: 'Try again; if it keeps failing, contact your administrators with the code below.' },
  stepup_token_invalid: { status: 401, title: 'The identity provider\'s answer could not be verified', hint: 'Try again; if it keeps failing, contact your administrators with the code below.' },
  stepup_code_rejected: { status: 401, title: 'The identity provider did not accept this sign-in code', hint: 'The code was already used, expired or is not genuine. Open the page you wanted again to start over.' },
  stepup_signature_invalid: { status: 401, title: 'The identity provider\'s answer carries a signature that does not verify', hint: 'This answer may not come from your identity provider. Contact your administrators with the code below.' },
  stepup_issuer_mismatch: { status: 401, title: 'The answer came from another identity provider than the one configured', hint: 'Contact your administrators with the code below: stepgate and the identity provider disagree about its address.' },
  stepup_audience_mismatch: { status: 401, title: 'The identity provider\'s answer was issued for another application', hint: 'Contact your administrators with the code below: the client id may be wrong.' },
  stepup_nonce_mismatch: { status: 401, title: 'The identity provider\'s answer does not belong to this sign-in', hint: 'Open the page you wanted again to start over.' },
  stepup_time_invalid: { status: 401, title: 'The identity provider\'s answer is dated in the future', hint: 'A clock is wrong: contact your administrators with the code below.' },
  stepup_level_too_low: { status: 403, title: 'The sign-in was not strong enough', hint: 'Sign in again and complete the additional verification step.' },
  stepup_auth_too_old: { status: 403, title: 'The sign-in was not recent enough', hint: 'Sign in again: this page needs a fresh sign-in.' },
  stepup_access_window_closed: { status: 403, title: 'This account may not use this service now', hint: 'Its access window is closed; signing in again does not change that. Ask the people who granted the access.' },
  stepup_subject_changed: { status: 409, title: 'This browser is signed in to stepgate as someone else', hint: 'If you did not just sign in as that user, someone may be trying to sign this browser in as themselves: close this page. To switch users, sign out on your stepgate session page first.' },
  stepup_idp_unavailable: { status: 502, title: 'The identity provider cannot be reached', hint: 'Try again in a minute.' },
  stepup_internal_error: { status: 500, title: 'Something went wrong in stepgate', hint: 'Try again; if it keeps failing, contact your administrators with the code below.' },
  approval_not_found: { status: 404, title: 'This approval does not exist', hint: 'It expired, was already used, or the link is wrong. Ask the pipeline to retry: a new approval is recorded.' },
  approval_signin_required: { status: 401, title: 'Sign in to review approvals', hint: 'Approval pages need a signed-in stepgate session.' },
  approval_stepup_required: { status: 403, title: 'Approving needs a fresh, strong sign-in', hint: 'Sign in again, then approve on the page you are brought back to.' },
  approval_forbidden: { status: 403, title: 'You cannot decide this approval', hint: 'Nobody may approve their own request, and only the configured approver groups may approve.' },
  approval_csrf: { status: 403, title: 'This form was not submitted from stepgate\'s approval page', hint: 'Open the approval page again and use its buttons.' },
  approval_conflict: { status: 409, title: 'This approval was already decided', hint: 'Reload the approval page to see its state.' },
  approval_state_unavailable: { status: 503, title: 'The approval store cannot be reached', hint: 'Try again in a minute.' },
  stepup_not_found: { status: 404, title: 'Not found', hint: 'There is nothing at this address.' },
  stepup_continue_refused: { status: 403, title: 'This sign-in was not started from stepgate\'s own page', hint: 'Open the page you wanted again and use the Continue button on the page it sends you to.' },
  stepup_signout_refused: { status: 403, title: 'This sign-out was not sent from stepgate\'s own page', hint: 'Open the session page and use its Sign out button.' },
} as const satisfies Record<string, { status: number; title: string; hint: string }>;

export type FlowErrorCode = keyof typeof FLOW_ERRORS;
export const FLOW_ERROR_CODES = Object.keys(FLOW_ERRORS) as FlowErrorCode[];
