// bench/web (issue #20): the built dashboard's first-page JavaScript, gzipped (target ≤ 250 KB), and
// the time from navigation to the dashboard's data shown in headless Chromium, against the built
// server on SQLite seeded with 1,000 connections (target p99 < 1 s), over repeated cold
// navigations (a new browser context each: empty cache, no app state; the session comes back from
// the refresh cookie as it does for a returning user). Beside it, in the same run: the dashboard's
// JSON fetched alone, and a page with nothing to run loaded in the same browser.
import crypto from 'node:crypto';
import { type Browser, type BrowserContext, type Cookie, chromium } from 'playwright-core';
import { request } from 'undici';
import { inPage } from '../../test/browser/waits.js';
import { CONNECTIONS, seed } from '../dashboard/seed.js';
import { startSwitchboard } from '../dashboard/switchboard.js';
import { percentile, type Row, report } from '../lib.js';
import { freshStore } from '../webhooks/switchboard.js';
import { builtFile, indexScripts, totalGzip } from './bundle.js';

const TARGET_BUNDLE_KB = 250;
const TARGET_P99_MS = 1_000;
const WARMUP = 3;
const NAVIGATIONS = 30;
const CHROMIUM = '/usr/bin/chromium';
// As the browser tests start it (test/browser/chromium.ts): Debian's Chromium, no downloads.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const VIEWPORT = { width: 1280, height: 900 };

const ms = (v: number) => `${v.toFixed(0)} ms`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

function timing(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/**
 * The dashboard's data is shown: the connections card counts the seeded fleet, the health table
 * has rows, and nothing on the page is still loading. Evaluated in the page at each frame; its
 * value is the page's clock then, i.e. milliseconds since the navigation started.
 */
const DATA_SHOWN = `(() => {
  const card = [...document.querySelectorAll('.cards .card')].find((c) => c.querySelector('dt')?.textContent === 'Connections');
  const shown = card?.querySelector('dd')?.textContent === ${JSON.stringify(CONNECTIONS.toLocaleString('en-GB'))}
    && document.querySelector('#health-title') !== null
    && document.querySelector('main .loading') === null;
  return shown ? performance.now() : false;
})()`;

/** One cold navigation to the dashboard: milliseconds to its data, the scripts it loaded, the rotated cookies. */
async function coldNavigation(
  browser: Browser,
  origin: string,
  cookies: Cookie[],
): Promise<{ ms: number; scripts: string[]; cookies: Cookie[] }> {
  const context: BrowserContext = await browser.newContext({ viewport: VIEWPORT });
  try {
    await context.addCookies(cookies);
    const page = await context.newPage();
    const scripts: string[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.origin === origin && url.pathname.endsWith('.js')) scripts.push(url.pathname);
    });
    await page.goto(`${origin}/`, { waitUntil: 'commit' });
    const shownAt = Number(await inPage(page, DATA_SHOWN, 30_000));
    return { ms: shownAt, scripts, cookies: await context.cookies() };
  } finally {
    await context.close();
  }
}

/** A page with nothing to run (a system route's answer) loaded cold: the browser's own floor. */
async function blankLoad(browser: Browser, origin: string): Promise<number> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/healthz`, { waitUntil: 'load' });
    return Number(
      await page.evaluate(
        '(performance.getEntriesByType("navigation")[0].loadEventEnd || performance.now())',
      ),
    );
  } finally {
    await context.close();
  }
}

/** A member of the seeded org with a password of the bench's: an admin invited through the API, who accepts. */
async function invitedAdmin(
  origin: string,
  orgId: string,
  token: string,
): Promise<{ email: string; password: string }> {
  const post = async (url: string, body: unknown, bearer?: string) => {
    const res = await request(`${origin}/api/v1${url}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`POST ${url}: HTTP ${res.statusCode} ${text}`);
    return (JSON.parse(text) as { data: Record<string, unknown> }).data;
  };
  const email = 'web-bench@example.com';
  const password = crypto.randomBytes(18).toString('base64url');
  const invitation = await post(`/orgs/${orgId}/invitations`, { email, role: 'tenant_admin' }, token);
  await post(`/invitations/${String(invitation.token)}/accept`, { name: 'Web Bench', password });
  return { email, password };
}

/** Signs in through the app's form once; its refresh cookie then restores the session in each cold context. */
async function signIn(browser: Browser, origin: string, email: string, password: string): Promise<Cookie[]> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await inPage(page, DATA_SHOWN, 60_000);
    const cookies = await context.cookies();
    if (!cookies.some((c) => c.httpOnly)) throw new Error('signing in set no HttpOnly refresh cookie');
    return cookies;
  } finally {
    await context.close();
  }
}

export async function benchWeb(): Promise<boolean> {
  const index = indexScripts();
  const indexGzip = totalGzip(index);

  // The app keeps its refresh token in the HttpOnly cookie (the bench's service inherits this).
  process.env.SWITCHBOARD_REFRESH_COOKIE = 'true';
  const store = await freshStore(undefined);
  let switchboard: Awaited<ReturnType<typeof startSwitchboard>> | undefined;
  let browser: Browser | undefined;
  try {
    switchboard = await startSwitchboard(store);
    const seeded = await seed(
      switchboard.database,
      switchboard.orgId,
      switchboard.adminId,
      switchboard.encryptionKey,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    const origin = switchboard.origin;
    const user = await invitedAdmin(origin, switchboard.orgId, switchboard.token);
    let cookies = await signIn(browser, origin, user.email, user.password);

    const navigations: number[] = [];
    const blanks: number[] = [];
    const fetches: number[] = [];
    let firstPage = new Set<string>();
    for (let i = 0; i < WARMUP + NAVIGATIONS; i++) {
      const cold = await coldNavigation(browser, origin, cookies);
      cookies = cold.cookies;
      const blank = await blankLoad(browser, origin);
      const started = performance.now();
      const answer = await request(`${origin}/api/v1/integrations/dashboard`, {
        headers: { authorization: `Bearer ${switchboard.token}` },
      });
      await answer.body.arrayBuffer();
      const fetched = performance.now() - started;
      if (answer.statusCode !== 200)
        throw new Error(`GET /integrations/dashboard: HTTP ${answer.statusCode}`);
      if (i < WARMUP) continue;
      navigations.push(cold.ms);
      blanks.push(blank);
      fetches.push(fetched);
      firstPage = new Set([...firstPage, ...cold.scripts]);
    }
    const firstPageGzip = totalGzip([...firstPage].map(builtFile));
    const nav = timing(navigations);
    const blank = timing(blanks);
    const json = timing(fetches);
    const rows: Row[] = [
      {
        name: `JavaScript index.html loads (${index.length} file${index.length === 1 ? '' : 's'}), gzipped`,
        value: kb(indexGzip),
      },
      {
        name: `JavaScript the dashboard loaded (${firstPage.size} files), gzipped`,
        value: kb(firstPageGzip),
        target: `≤ ${TARGET_BUNDLE_KB} KB`,
        pass: firstPageGzip <= TARGET_BUNDLE_KB * 1000,
      },
      {
        name: `navigation → dashboard data shown, p50 / p99 (${NAVIGATIONS} cold)`,
        value: `${ms(nav.p50)} / ${ms(nav.p99)}`,
        target: `p99 < ${ms(TARGET_P99_MS)}`,
        pass: nav.p99 < TARGET_P99_MS,
      },
      {
        name: 'baseline: dashboard JSON fetched alone, p50 / p99',
        value: `${ms(json.p50)} / ${ms(json.p99)}`,
      },
      {
        name: 'baseline: a page with no script loaded, p50 / p99',
        value: `${ms(blank.p50)} / ${ms(blank.p99)}`,
      },
    ];
    const met = report(`web dashboard (SQLite, ${CONNECTIONS.toLocaleString('en-GB')} connections)`, rows);
    process.stdout.write(
      `  seeded ${seeded.runs} runs, ${seeded.webhooks} webhooks, ${seeded.events} events in ${seeded.seconds.toFixed(1)} s\n`,
    );
    return met;
  } finally {
    await browser?.close();
    await switchboard?.stop();
    await store.drop();
  }
}
