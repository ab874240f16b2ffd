import type { Locator, Page } from 'playwright-core';

// With JavaScript off every link and button loads a new page. Reading the page right after a
// click could still read the old one, so a click that navigates waits for the new page's load.
export async function clickAndLoad(page: Page, target: Locator): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), target.click()]);
}
