import { appendFileSync } from 'node:fs';
import { vi } from 'vitest';

/**
 * A vitest setup file that records every whole-object write the guardrail unit tests judge as a
 * violation or an unreadable body (test/unit/guardrails-carried.test.ts wraps each one in every
 * wrapper kind). Run by `npx tsx test/support/carried-corpus.ts`, never by the suite itself.
 */
vi.mock('../../src/guardrails/inspect.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/guardrails/inspect.js')>();
  const out = process.env.STEPGATE_RECORD_INSPECT;
  const inspect: typeof real.inspect = (kube, body, contentType, truncated, settings, missing, userAgent) => {
    const result = real.inspect(kube, body, contentType, truncated, settings, missing, userAgent);
    const judged = result.violations.length > 0 || result.unreadable !== undefined;
    if (out && judged && !truncated && (kube.verb === 'create' || kube.verb === 'update') && kube.subresource === '' && body !== undefined) {
      const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
      appendFileSync(out, `${JSON.stringify({ path: kube.path, namespace: kube.namespace, name: kube.name, contentType: contentType ?? '', body: text })}\n`);
    }
    return result;
  };
  return { ...real, inspect };
});
