// Express's view engine: EJS pages rendered inside the one layout, with the locals every page reads.
import path from 'node:path';
import ejs from 'ejs';
import type { Express } from 'express';
import type { Config } from '../boot/config.ts';
import { paths } from '../paths.ts';
import * as format from './format.ts';
import { ejsOptions, viewsDirectory } from './templates.ts';

const layoutFile = path.join(viewsDirectory, 'layout.ejs');

type RenderCallback = (error: Error | null, html?: string) => void;

// EJS has no layouts of its own: render the page, then the one layout around it.
// A view rendered with `layout: false` (an email part, a CSV) stands alone.
// `cache` is set by Express when the view cache is on (production).
function renderWithLayout(file: string, options: Record<string, unknown>, callback: RenderCallback): void {
  const pageOptions = ejsOptions({ cache: options.cache === true, trimLines: true });
  ejs.renderFile(file, options, pageOptions, (error, body) => {
    if (error || options.layout === false) return callback(error, body);
    ejs.renderFile(layoutFile, { ...options, body }, pageOptions, callback);
  });
}

export function setUpViews(app: Express, config: Config): void {
  app.set('views', viewsDirectory);
  app.set('view engine', 'ejs');
  app.engine('ejs', renderWithLayout as Parameters<Express['engine']>[1]);
  if (config.isProduction) app.enable('view cache');
  Object.assign(app.locals, {
    brandName: config.brandName,
    downloadUrlWindows: config.downloadUrlWindows,
    downloadUrlMac: config.downloadUrlMac,
    currency: config.currency,
    paths,
    format,
    // Safe defaults so every page, error pages included, renders whatever ran before it.
    currentUser: undefined,
    takeFlash: () => undefined,
    errors: undefined,
    values: {},
    activeTab: undefined,
    csrfToken: () => '',
  });
}
