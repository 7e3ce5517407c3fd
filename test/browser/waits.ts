import type { Locator, Page } from 'playwright-core';

/** Waits until the first element `locator` matches is visible. */
export async function visible(locator: Locator, timeout?: number): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout });
}

/** Waits until one of `locator`'s elements contains `text`. */
export async function containing(locator: Locator, text: string | RegExp, timeout?: number): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout });
}

/** Waits until `locator` matches nothing (each match detaching in turn). */
export async function gone(locator: Locator, timeout?: number): Promise<void> {
  while ((await locator.count()) > 0) await locator.first().waitFor({ state: 'detached', timeout });
}

/**
 * Waits in the page, frame by frame, until `expression` (JavaScript, run in the page) is truthy,
 * and returns its value. Run through the DevTools protocol: the app's Content-Security-Policy
 * forbids the eval that Playwright's waitForFunction uses.
 */
export async function inPage(page: Page, expression: string, timeout = 20_000): Promise<unknown> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const until = performance.now() + ${timeout};
    const tick = () => {
      const value = (${expression});
      if (value) resolve(value);
      else if (performance.now() > until) reject(new Error('timed out waiting for: ' + ${JSON.stringify(expression)}));
      else requestAnimationFrame(tick);
    };
    tick();
  })`);
}
