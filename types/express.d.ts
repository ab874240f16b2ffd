import 'express-session';
import type { SessionUser } from '../lib/auth.ts';
import type { FormErrors } from '../lib/validation.ts';

declare global {
  namespace Express {
    // What passport keeps in the session and puts on req.user: a snapshot taken at
    // sign-in, so a signed-in page needs no extra query to know who is asking.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
  }
}

declare module 'express-session' {
  interface SessionData {
    createdAt: number;
    lastSeenAt: number;
    flash: { kind: 'success' | 'info'; text: string } | undefined;
    // Namespaced journey state; each journey owns its key.
    registration: Record<string, unknown>;
    purchase: Record<string, unknown>;
    passwordReset: Record<string, unknown>;
  }
}

export {};
