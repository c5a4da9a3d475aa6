import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, driven by playwright-core. A missing binary fails (never skips). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install the Debian package chromium (scripts/test.sh does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The dev IdP's pages (demo/idp.ts) for alice: the password, then the second factor's `code`. */
export async function signInWithCode(p: Page, code: () => string): Promise<void> {
  await p.getByLabel('User name').fill('alice');
  await p.getByLabel('Password').fill('alice-password');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByLabel('6-digit code').fill(code());
  await p.getByRole('button', { name: 'Verify' }).click();
}
