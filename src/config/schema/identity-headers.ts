import { z } from 'zod';
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
