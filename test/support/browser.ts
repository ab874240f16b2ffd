// A real Chromium (Debian's) through playwright-core, with JavaScript off for user journeys.
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { buildTestApp, listen, type TestApp } from './app.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export function noScriptContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({ javaScriptEnabled: false, baseURL });
}

export interface AppInBrowser {
  t: TestApp;
  server: Awaited<ReturnType<typeof listen>>;
  browser: Browser;
}

// The real app on a port of its own and a Chromium to drive it: what every browser suite starts with.
export async function startAppInBrowser(): Promise<AppInBrowser> {
  const t = buildTestApp();
  const server = await listen(t.app);
  return { t, server, browser: await launchBrowser() };
}

// Closes what startAppInBrowser opened, even when a `before` hook stopped half-way.
export async function stopAppInBrowser(app: Partial<AppInBrowser>): Promise<void> {
  await app.browser?.close();
  await app.server?.close();
  await app.t?.close();
}

// A JavaScript-enabled context for axe-core only (axe is a script): the pages still carry none.
export function axeContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({ javaScriptEnabled: true, bypassCSP: true, baseURL });
}
