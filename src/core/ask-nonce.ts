// The nonce format of a sign-in bound to a step-up (risk/ask.ts): shared by the token's Identity,
// the risk engine and the kubectl credential plugin, so it sits at the bottom of the imports.

/** The `nonce` a sign-in made to answer `ask` sends: the ask id, a dot, and the sign-in's own random part. */
export function askNonce(ask: string, random: string): string {
  return `${ask}.${random}`;
}

/** The ask id part of a nonce: what precedes its last dot; undefined for a nonce without one. */
export function askOfNonce(nonce: unknown): string | undefined {
  if (typeof nonce !== 'string' || nonce.length > 256) return undefined;
  const dot = nonce.lastIndexOf('.');
  if (dot <= 0 || dot === nonce.length - 1) return undefined;
  return nonce.slice(0, dot);
}
