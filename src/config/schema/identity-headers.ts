import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { headerName, nonEmpty } from './common.js';

/** `identity_headers`: the headers an allow passes upstream. */
export const identityHeadersSchema = z
  .strictObject({
    subject: headerName.default('x-stepgate-subject'),
    level: headerName.default('x-stepgate-level'),
    issuer: headerName.default('x-stepgate-issuer'),
    claims: z.record(nonEmpty, headerName).default({}),
  })
  .prefault({});

/** How each `identity_headers` key applies on reload (schema/apply.ts). */
export const IDENTITY_HEADERS_APPLY = {
  'identity_headers.subject': 'live',
  'identity_headers.level': 'live',
  'identity_headers.issuer': 'live',
  'identity_headers.claims': 'live',
} as const satisfies ApplyTable;
