import { existsSync } from 'node:fs';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';

/** Debian's chromium package (installed by .ci/run when missing): the wrapper script and the binary it runs. */
const CHROMIUM_PATHS = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

/**
 * Headless Chromium with nothing that phones home. Playwright gives every launch a fresh temporary
 * profile (user data directory) and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = CHROMIUM_PATHS.find((p) => existsSync(p));
  if (!executablePath)
    throw new Error(
      `no Chromium at ${CHROMIUM_PATHS.join(' or ')}: run .ci/run (it installs Debian's chromium) or apt-get install chromium`,
    );
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page in its own context (its own sessionStorage: a separate tab of a separate user), recording what it logs. */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ page: Page; context: BrowserContext; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return { page, context, problems };
}
