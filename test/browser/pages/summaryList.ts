import type { Page } from 'playwright-core';

// A review page's summary list, label -> value, as a person reads it (white space as shown).
export async function summaryList(page: Page): Promise<Record<string, string>> {
  const entries: [string, string][] = [];
  for (const row of await page.locator('dl.summary-list > div').all()) {
    entries.push([(await row.locator('dt').innerText()).trim(), (await row.locator('dd').first().innerText()).replace(/\s+/g, ' ').trim()]);
  }
  return Object.fromEntries(entries);
}
