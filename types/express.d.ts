import type { SessionUser } from '../lib/auth/passport.ts';
import type { FormErrors } from '../lib/forms/validation.ts';
import type { PurchaseJourney } from '../validators/purchase.ts';
import type { RenewalJourney } from '../validators/renewal.ts';
import type { UpgradeJourney } from '../validators/upgrade.ts';
import type { TrialUpgradeJourney } from '../validators/trialUpgrade.ts';

declare global {
  namespace Express {
    // What passport keeps in the session and puts on req.user: a snapshot taken at
    // sign-in, so a signed-in page needs no extra query to know who is asking.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      // This request's id, sent back as X-Request-Id and written in its log lines (lib/http/requestLog.ts).
      id: string;
    }

    // What a session holds (express-session's SessionData is this, below).
    interface SessionData {
      // The signed-in user, as passport keeps it.
      passport: { user?: User };
      // csurf's secret for this session's form tokens.
      csrfSecret: string;
      createdAt: number;
      lastSeenAt: number;
      flash: { kind: 'success' | 'info'; text: string } | undefined;
      // Namespaced journey state; each journey owns its key.
      // Registration journeys by journey id (the id is in the wizard's URLs), so two tabs
      // opened from two links never mix. Only what the next step needs, never a secret.
      registration: Record<
        string,
        {
          invitationId: number;
          // Safe, already installed: the installation the customer named on the computer step.
          confirmedInstallationId?: number;
          startedAt: number;
        }
      >;
      // The New purchase draft and its review page's one-time purchase key.
      purchase: PurchaseJourney | undefined;
      // Start a trial: the same draft and key as New purchase, kept apart so both can be open.
      trial: PurchaseJourney | undefined;
      // Renew: the years chosen for one account and its review page's one-time key.
      renewal: RenewalJourney | undefined;
      // Upgrade: the plan and computers chosen for one account and its review page's one-time key.
      upgrade: UpgradeJourney | undefined;
      // Upgrade to a paid subscription: the plan, computers and term chosen for one trial and its review page's one-time key.
      trialUpgrade: TrialUpgradeJourney | undefined;
      // A password reset under way: which reset link it belongs to, and whether the security
      // question (the extra check after the emailed link) has been answered.
      passwordReset: { resetId: number; answered: boolean } | undefined;
      // A partner sign-in's second step: the password was right, but the session is signed in
      // only after a two-factor code, or (enrol) once the user has set two-factor up because
      // their company requires it. Only the user's id, never a secret in clear.
      partnerSecondStep: { userId: number; next: string; startedAt: number; enrol: boolean } | undefined;
      // Setting up two-factor: the new secret, encrypted, until a code from it confirms it.
      twoFactorEnrolment: { userId: number; encryptedSecret: string } | undefined;
      // The recovery codes just made, encrypted, shown once by the next page.
      recoveryCodesToShow: { userId: number; encrypted: string; next: string } | undefined;
    }
  }
}

declare module 'express-session' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface SessionData extends Express.SessionData {}
}

export {};
