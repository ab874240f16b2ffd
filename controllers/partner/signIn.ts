// Sign in to the Partner Portal, and sign out (controllers/shared/signIn.ts).
import { paths } from '../../lib/paths.ts';
import { signInController } from '../shared/signIn.ts';
import { recordPartnerSignInFailed } from '../../models/signInEvents.ts';

export const { get, post, signOutPost } = signInController({
  scope: 'partner',
  view: 'partner/signIn',
  title: 'Sign in to the Partner Portal',
  signInPath: paths.partner.signIn,
  home: paths.partner.accounts,
  area: '/partner/',
  onRefused: (deps, attempt) => recordPartnerSignInFailed(deps.db, deps.logger, attempt),
});
