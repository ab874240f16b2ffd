// axe-core in a browser page. axe is a script, so the page must be open in a context with
// JavaScript on and the CSP bypassed; the pages themselves still carry no script of their own.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { projectRoot } from '../../lib/boot/projectRoot.ts';

const AXE = path.join(projectRoot, 'node_modules', 'axe-core', 'axe.min.js');

export interface AxeFinding {
  page: string;
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

interface AxeResults {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

// Runs axe on the page as it is now and answers its serious and critical findings, named
// after the page: those are what fail a test.
export async function seriousAxeFindings(page: Page, name: string): Promise<AxeFinding[]> {
  await page.addScriptTag({ path: AXE });
  const results = (await page.evaluate(() =>
    (window as unknown as { axe: { run(context: Document): Promise<unknown> } }).axe.run(document),
  )) as AxeResults;
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ page: name, rule: v.id, impact: v.impact!, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}
