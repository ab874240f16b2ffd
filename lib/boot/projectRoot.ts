// The project's root folder, for files found relative to it (views, migrations, data).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// lib/boot/ sits two levels below the project root.
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
