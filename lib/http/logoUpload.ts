// The company logo's upload: a multipart form, parsed by multer into memory before the CSRF
// check (csurf reads the token from the parsed body), only for a signed-in partner user who
// may change the company. Sizes are capped by multer: a bigger file is cut off and its error
// kept for the controller, which shows it on the page.
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { can } from '../auth/roles.ts';

export const LOGO_MAX_BYTES = 512 * 1024;

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: LOGO_MAX_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 6 },
}).single('logo');

const uploadErrors = new WeakMap<Request, string>();

// multer's error code (LIMIT_FILE_SIZE, LIMIT_UNEXPECTED_FILE...) for this request, if any.
export function logoUploadError(req: Request): string | undefined {
  return uploadErrors.get(req);
}

export function logoUploadParsing(): RequestHandler {
  return (req, res, next) => {
    if (!can(req.user?.role, 'team') || !req.is('multipart/form-data')) return next();
    upload(req, res, (error?: unknown) => {
      if (error instanceof multer.MulterError) {
        uploadErrors.set(req, error.code);
        return next();
      }
      next(error);
    });
  };
}
