// The web dashboard in Debian's Chromium against the built server (issue #20): an admin connects a
// demo connection through the catalog form, tests, enables and syncs it, follows the run to its end
// without reloading, filters its log, creates an inbound webhook and an outbound endpoint; a user
// of another org sees none of it. Every page visited passes axe-core (no serious or critical
// violations) and is photographed at 1280 and 390 px under test-output/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Chromium, launchChromium, newContext } from './chromium.js';
import { screenshots, seriousViolations } from './page-check.js';
import { ensureBuilt, root, type Server, startServer } from './server.js';
import { containing, gone, inPage, visible } from './waits.js';

/** Set to `docs` to also write the README's dashboard picture, docs/images/dashboard.png. */
const DOCS_SCREENSHOT = process.env.SWITCHBOARD_SCREENSHOTS === 'docs';

// A step waits this long for what it expects (a sync of the demo provider takes a few seconds).
const STEP_MS = 20_000;

describe('the web dashboard in Chromium', { timeout: 120_000 }, () => {
  let server: Server;
  let chromium: Chromium;
  let context: BrowserContext;
  let page: Page;
  /** Errors the app threw in the browser: none are expected. */
  const pageErrors: string[] = [];
  /** What the admin made, for the other org's user to look for. */
  const made = {
    connectionName: 'Browser Demo',
    connectionUrl: '',
    runUrl: '',
    endpointName: 'Browser endpoint',
  };

  /** Checks the page as it is (axe at both widths) and photographs it as `name`. */
  async function lookAt(name: string): Promise<void> {
    await page.locator('main h1').first().waitFor();
    const found: string[] = [];
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      for (const v of await seriousViolations(page)) found.push(`${name} at ${width} px: ${v}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshots(page, name);
    expect(found, found.join('\n')).toEqual([]);
  }

  async function signIn(target: Page, email: string, password: string): Promise<void> {
    await target.goto('/');
    await target.waitForURL('**/login');
    await target.getByLabel('Email').fill(email);
    await target.getByLabel('Password').fill(password);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await visible(target.getByRole('heading', { level: 1, name: 'Dashboard' }));
  }

  beforeAll(async () => {
    ensureBuilt();
    server = await startServer();
    chromium = await launchChromium();
    context = await newContext(chromium.browser, server.origin);
    context.setDefaultTimeout(STEP_MS);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 600_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  it('signs the admin in, with the refresh token in an HttpOnly cookie only', async () => {
    await page.goto('/');
    await page.waitForURL('**/login');
    await lookAt('login');
    await page.getByLabel('Email').fill(server.admin.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await containing(page.getByRole('alert'), 'The email or password is not right');

    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Dashboard' }));
    const cookies = await context.cookies();
    expect(cookies.filter((c) => c.httpOnly).length).toBeGreaterThan(0);
    // Tokens live in memory: nothing in the page's storage.
    const stored = await page.evaluate(
      'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })',
    );
    expect(stored).toBe('{}{}');
  });

  it('shows the dashboard with the demo connections, live', async () => {
    // The demo mode's three connections are in the summary's first card.
    const card = page.locator('.cards .card').filter({ hasText: 'Connections' }).first();
    await containing(card.locator('dd').first(), /^3$/);
    await visible(page.getByRole('status').filter({ hasText: /^Live/ }));
    await lookAt('dashboard');
    if (DOCS_SCREENSHOT) {
      const file = path.join(root, 'docs/images/dashboard.png');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, animations: 'disabled' });
    }
  });

  it('connects the demo provider through its catalog form, then tests and enables it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Catalog' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Catalog' }));
    await lookAt('catalog');
    await page.getByRole('link', { name: 'Connect Demo', exact: true }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Connect Demo' }));
    await lookAt('connect');

    // The form checks what the schema requires before sending anything.
    await page.getByLabel('Name', { exact: false }).first().fill(made.connectionName);
    await page.getByLabel('Test the credentials right after creating the connection').uncheck();
    await page.getByRole('button', { name: 'Create connection' }).click();
    await visible(page.locator('[aria-invalid="true"]').first());
    await page.getByLabel('API Token', { exact: false }).fill('browser-token');
    await page.getByRole('button', { name: 'Create connection' }).click();

    await visible(page.getByRole('heading', { level: 1, name: made.connectionName }));
    made.connectionUrl = new URL(page.url()).pathname;
    expect(made.connectionUrl).toMatch(/^\/connections\/[^/]+$/);
    await visible(page.getByText('Connection created.'));
    await lookAt('connection');

    await page.getByRole('button', { name: 'Test connection' }).click();
    await visible(page.getByText('Test passed'));
    await page.getByRole('button', { name: 'Enable' }).click();
    await visible(page.getByText('Connection enabled'));
    await containing(page.locator('.page-head .badges'), 'Connected');
  });

  it('syncs and follows the run to completed without a reload, then filters its log', async () => {
    // A mark on the window: a reload or a full navigation would wipe it.
    await page.evaluate('window.unreloaded = true');
    await page.getByRole('button', { name: 'Sync now' }).click();
    await visible(page.getByText('Sync queued'));
    await page.getByRole('link', { name: 'Follow the run' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Sync run' }));
    made.runUrl = new URL(page.url()).pathname;
    const status = page.locator('.page-head .badges');
    await containing(status, 'Completed', 60_000);
    expect(await page.evaluate('window.unreloaded')).toBe(true);
    // The demo provider's users, groups and repositories were synced.
    const synced = page.locator('.card').filter({ hasText: 'Synced' }).locator('.card__value');
    expect(Number((await synced.innerText()).replace(/\D/g, ''))).toBeGreaterThan(0);
    await lookAt('run');

    const lines = page.locator('ol.log > li');
    await visible(lines.first());
    /** Waits until the log lists `count` lines, each passing `test` (a JS expression of `li`). */
    const shows = (count: number, test: string) =>
      inPage(
        page,
        `(() => { const l = [...document.querySelectorAll('ol.log > li')]; return l.length === ${count} && l.every((li) => ${test}); })()`,
      );
    // The level filter's options count the finished run's lines: the log lists them all.
    const level = page.getByLabel('Level', { exact: true });
    const counted = async (value: string) =>
      Number((await level.locator(`option[value="${value}"]`).innerText()).replace(/\D/g, ''));
    const levels = await level
      .locator('option:not([value=""])')
      .evaluateAll((options) => options.map((o) => o.getAttribute('value') ?? ''));
    let total = 0;
    for (const value of levels) total += await counted(value);
    expect(total).toBeGreaterThan(1);
    await shows(Math.min(total, 50), 'true');
    const messages = await lines.evaluateAll((items) =>
      items.map((li) => {
        const p = li.querySelector('p');
        return (p?.textContent ?? '').slice(p?.querySelector('.badge')?.textContent?.length ?? 0).trim();
      }),
    );

    // Filtered by level: just that level's lines; a level the run has none of says so.
    const infos = await counted('info');
    await level.selectOption('info');
    await shows(Math.min(infos, 50), `/info/i.test(li.querySelector('.badge').textContent)`);
    await level.selectOption('error');
    await visible(page.getByText('No log lines match'));
    await level.selectOption('');
    await shows(messages.length, 'true');

    // The search: a word some lines have and others not lists just those.
    const words = [...new Set(messages.flatMap((m) => m.toLowerCase().match(/[a-z]{5,}/g) ?? []))];
    const word = words.find((w) => messages.some((m) => !m.toLowerCase().includes(w)));
    if (!word) throw new Error(`no word tells the run's log lines apart: ${messages.join(' | ')}`);
    const having = messages.filter((m) => m.toLowerCase().includes(word)).length;
    await page.getByLabel('Search', { exact: true }).fill(word);
    await shows(having, `li.querySelector('p').textContent.toLowerCase().includes(${JSON.stringify(word)})`);
    await page.getByLabel('Search', { exact: true }).fill('zzzno-such-words');
    await visible(page.getByText('No log lines match'));
    await page.getByLabel('Search', { exact: true }).fill(word);
    await shows(having, 'true');
    await lookAt('run-logs-filtered');
  });

  it('creates an inbound webhook on the connection, its secret shown once', async () => {
    await page.goto(made.connectionUrl);
    const section = page.locator('section#webhooks');
    await visible(section.getByRole('heading', { name: 'Inbound webhooks' }));
    await section
      .getByRole('button', { name: /add|create|new/i })
      .first()
      .click();
    await section.getByLabel('Name', { exact: false }).first().fill('Browser inbound');
    await section
      .getByRole('button', { name: /^(add|create)/i })
      .last()
      .click();
    const secretBox = page.locator('.secret');
    await containing(secretBox, 'not shown again');
    const secret = await secretBox.locator('input').inputValue();
    expect(secret.length).toBeGreaterThan(15);
    await containing(section, 'Browser inbound');
    await lookAt('connection-inbound-webhook');
    await secretBox.getByRole('button', { name: 'I have stored it' }).click();
    await gone(page.locator('.secret'));
    expect(await page.content()).not.toContain(secret);
  });

  it('creates an outbound endpoint, its signing secret shown once', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks out' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Webhooks out' }));
    await lookAt('webhooks-out');
    await page.getByRole('button', { name: 'Add an endpoint' }).click();
    await page.getByLabel('Name').fill(made.endpointName);
    await page.getByLabel('URL').fill('https://hooks.example.com/switchboard');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretBox = page.locator('.secret');
    await containing(secretBox, 'not shown again');
    expect(await secretBox.locator('input').inputValue()).toMatch(/^whsec_/);
    await containing(page.locator('main'), made.endpointName);
    await lookAt('webhooks-out-created');
    await secretBox.getByRole('button', { name: 'I have stored it' }).click();
  });

  it('shows the other pages without accessibility violations', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const [link, name] of [
      ['Connections', 'connections'],
      ['Events', 'events'],
      ['Members', 'members'],
      ['API keys', 'api-keys'],
      ['Audit log', 'audit-log'],
    ] as const) {
      await nav.getByRole('link', { name: link }).click();
      await visible(page.getByRole('heading', { level: 1 }).first());
      expect(
        await page.getByText('This page is not in this version of the dashboard yet').count(),
        link,
      ).toBe(0);
      await lookAt(name);
      if (name === 'connections') await containing(page.locator('main'), made.connectionName);
    }
  });

  it("does not show the admin's org to a user of another org", async () => {
    const other = { email: 'other@browser.example', password: 'another-org-password-1' };
    const registered = await fetch(`${server.origin}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...other, name: 'Other User', org_name: 'Other Org' }),
    });
    expect(registered.status).toBe(201);

    const otherContext = await newContext(chromium.browser, server.origin);
    otherContext.setDefaultTimeout(STEP_MS);
    try {
      const theirs = await otherContext.newPage();
      theirs.on('pageerror', (error) => pageErrors.push(error.message));
      await signIn(theirs, other.email, other.password);
      await visible(theirs.getByText('No connections yet'));

      const leaks = [made.connectionName, 'Demo Directory', made.endpointName, 'Browser inbound'];
      const visit = async (url: string) => {
        await theirs.goto(url);
        await theirs.locator('main h1').first().waitFor();
        // Wait for the page's data (or its refusal) rather than its loading state.
        await gone(theirs.locator('[aria-busy="true"], .loading'));
        const text = await theirs.locator('main').innerText();
        for (const leak of leaks) expect(text, `${url} shows "${leak}"`).not.toContain(leak);
        return text;
      };
      await visit('/connections');
      await visit('/webhook-endpoints');
      await visit('/events');
      // The admin's connection and run, by their addresses: another org's data is not found.
      expect(await visit(made.connectionUrl)).toMatch(/not found/i);
      if (made.runUrl) expect(await visit(made.runUrl)).toMatch(/not found/i);
    } finally {
      await otherContext.close();
    }
  });

  it('threw no errors in the browser', () => {
    expect(pageErrors).toEqual([]);
  });
});
