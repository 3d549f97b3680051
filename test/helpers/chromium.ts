import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where the browser tests find Chromium: Debian's package (`apt-get install -y chromium`), or FLINT_CHROMIUM. */
export const CHROMIUM_PATH = process.env.FLINT_CHROMIUM ?? '/usr/bin/chromium';

/** FLINT_SKIP_BROWSER_TESTS=1 skips the browser tests on a machine without a browser (README, Development). */
export const SKIP_BROWSER_TESTS = process.env.FLINT_SKIP_BROWSER_TESTS === '1';

/** Starts a headless Chromium; without one installed, fails with what to do rather than skipping unseen. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: install it (apt-get install -y chromium), point FLINT_CHROMIUM at one, ` +
        'or set FLINT_SKIP_BROWSER_TESTS=1 to skip the browser tests',
    );
  // Chromium's own sandbox cannot start as root (CI runs as root); the page it loads is the test's own gateway.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
