/**
 * Why an enrolment (`POST /.stepgate/v1/device-certificate`) was refused: a closed set, stable in
 * responses and audit records alike. docs/device-certificates.md lists each one; a test checks it
 * lists them all. A token that does not verify is answered with the Check's own reason code
 * (`token_expired`, `token_invalid`…), as every stepgate endpoint answers it.
 */
export const ENROL_REFUSALS = {
  device_request_invalid: { status: 400, message: 'The request is not a JSON object with a PEM certificate signing request in "csr".' },
  device_csr_too_large: { status: 413, message: 'The certificate signing request is larger than a P-256 request can be.' },
  device_csr_malformed: { status: 400, message: 'The certificate signing request is not one PKCS#10 request in PEM.' },
  device_key_unsupported: { status: 400, message: 'The key is not an EC P-256 key signing with ECDSA and SHA-256.' },
  device_csr_signature_invalid: { status: 400, message: 'The certificate signing request is not signed by the key it carries.' },
  device_csr_subject_mismatch: { status: 400, message: "The certificate signing request names another subject than the token's, or asks for names: stepgate writes the names itself." },
  device_automation: { status: 403, message: 'Automation identities do not enrol devices.' },
  device_level_insufficient: { status: 403, message: 'Enrolling a device needs a stronger sign-in than the one presented.' },
  device_auth_time_missing: { status: 403, message: 'Enrolling a device needs a recent sign-in, and the token does not say when it happened.' },
  device_auth_too_old: { status: 403, message: 'Enrolling a device needs a more recent sign-in.' },
  device_rate_limited: { status: 429, message: 'Too many device certificates were issued for this subject recently; try again later.' },
  device_internal_error: { status: 500, message: 'The device certificate could not be issued.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type EnrolRefusal = keyof typeof ENROL_REFUSALS;
export const ENROL_REFUSAL_CODES = Object.keys(ENROL_REFUSALS) as EnrolRefusal[];
