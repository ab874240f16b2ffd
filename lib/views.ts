import path from 'node:path';
import ejs from 'ejs';
import type { Express } from 'express';
import type { Config } from './config.ts';
import { paths } from './paths.ts';
import { projectRoot } from './projectRoot.ts';
import * as format from './format.ts';

const viewsDirectory = path.join(projectRoot, 'views');
const layoutFile = path.join(viewsDirectory, 'layout.ejs');

type RenderCallback = (error: Error | null, html?: string) => void;

// EJS has no layouts of its own: render the page, then the one layout around it.
// A view rendered with `layout: false` (an email part, a CSV) stands alone.
function renderWithLayout(file: string, options: Record<string, unknown>, callback: RenderCallback): void {
  ejs.renderFile(file, options, (error, body) => {
    if (error) return callback(error);
    if (options.layout === false) return callback(null, body);
    ejs.renderFile(layoutFile, { ...options, body }, callback);
  });
}

export function setUpViews(app: Express, config: Config): void {
  app.set('views', viewsDirectory);
  app.set('view engine', 'ejs');
  app.engine('ejs', renderWithLayout as Parameters<Express['engine']>[1]);
  // Includes are written from the views folder ('/partials/field'): resolved without a
  // file-system look-up on every render, as relative ones would be.
  app.set('view options', { root: viewsDirectory });
  if (config.isProduction) app.enable('view cache');
  Object.assign(app.locals, {
    brandName: config.brandName,
    downloadUrlWindows: config.downloadUrlWindows,
    downloadUrlMac: config.downloadUrlMac,
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
