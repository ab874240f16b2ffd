// Sign in to the Partner Portal, and sign out (controllers/shared/signIn.ts).
import { paths } from '../../lib/paths.ts';
import { signInController } from '../shared/signIn.ts';
import { recordPartnerSignedIn, recordPartnerSignInFailed } from '../../models/signInEvents.ts';
import { beginSecondStep } from './twoFactor.ts';

export const { get, post, signOutPost } = signInController({
  scope: 'partner',
  view: 'partner/signIn',
  title: 'Sign in to the Partner Portal',
  signInPath: paths.partner.signIn,
  home: paths.partner.overview,
  area: '/partner/',
  onRefused: (deps, attempt) => recordPartnerSignInFailed(deps.db, deps.logger, attempt),
  // Two-factor: a code after the password, or setting it up when the company requires it.
  afterPassword: beginSecondStep,
  onSignedIn: (deps, req, user) => recordPartnerSignedIn(deps.db, user, req.ip),
});
