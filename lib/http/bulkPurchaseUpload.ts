// The bulk purchase's CSV upload: a multipart form, parsed by multer into memory before the
// CSRF check (csurf reads the token from the parsed body), only for a partner user who may
// buy. As for the logo (lib/http/logoUpload.ts), multer caps the size and its error is kept
// for the controller, which shows it on the page; a body that is no proper multipart form is
// a message on the page too, never a 500.
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { can } from '../auth/roles.ts';

export const BULK_MAX_BYTES = 2 * 1024 * 1024;

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: BULK_MAX_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 6 },
}).single('file');

const uploadErrors = new WeakMap<Request, string>();

// multer's error code (LIMIT_FILE_SIZE, LIMIT_UNEXPECTED_FILE...), or MALFORMED, for this request.
export function bulkUploadError(req: Request): string | undefined {
  return uploadErrors.get(req);
}

export function bulkUploadParsing(): RequestHandler {
  return (req, res, next) => {
    if (!can(req.user?.role, 'buy') || !req.is('multipart/form-data')) return next();
    upload(req, res, (error?: unknown) => {
      if (error instanceof multer.MulterError) uploadErrors.set(req, error.code);
      // busboy's own complaints (no boundary, a cut-off body) are the sender's fault.
      else if (error) uploadErrors.set(req, 'MALFORMED');
      next();
    });
  };
}
