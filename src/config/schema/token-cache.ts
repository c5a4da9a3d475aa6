import { z } from 'zod';
import type { ApplyTable } from './apply.js';

/** `token_cache`: verified tokens, failures and encoded allows kept in memory. */
export const tokenCacheSchema = z
  .strictObject({
    max_entries: z.number().int().min(1).max(10_000_000).default(50_000),
    max_ttl_seconds: z.number().int().min(1).default(300),
    negative_ttl_seconds: z.number().int().min(0).max(300).default(10),
    negative_max_entries: z.number().int().min(1).default(10_000),
    // perf (issue 17): encoded allow responses, shared by tokens with equal identity headers.
    encoded_allow_max_entries: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .prefault({});

/** How each `token_cache` key applies on reload (schema/apply.ts). */
export const TOKEN_CACHE_APPLY = {
  'token_cache.max_entries': 'live',
  'token_cache.max_ttl_seconds': 'live',
  'token_cache.negative_ttl_seconds': 'live',
  'token_cache.negative_max_entries': 'live',
  'token_cache.encoded_allow_max_entries': 'restart', // the gRPC server sizes this cache once
} as const satisfies ApplyTable;
