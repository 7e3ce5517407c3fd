import fs from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium: the only browser these tests use (nothing downloads one). */
export const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps calling Google's hosts, which a closed
// network refuses; headless as root needs --no-sandbox.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, on a fresh profile; fails saying what to install when it is missing. */
export async function launchChromium(): Promise<Chromium> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) to run the browser tests; .ci/run does so.`,
    );
  }
  // Playwright starts Chromium on a fresh, temporary --user-data-dir of its own and removes it.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  return { browser, close: () => browser.close() };
}

/** A context as a desktop browser at 1280 px wide, refusing anything but the app's origin. */
export async function newContext(browser: Browser, origin: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: origin });
  await context.route(
    (url) => url.origin !== origin && url.protocol !== 'data:',
    (route) => route.abort(),
  );
  return context;
}
