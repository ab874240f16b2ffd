// Sign in to the customer Portal, and sign out (controllers/shared/signIn.ts).
import { paths } from '../../lib/paths.ts';
import { signInController } from '../shared/signIn.ts';

export const { get, post, signOutPost } = signInController({
  scope: 'customer',
  view: 'portal/signIn',
  title: 'Sign in to your account',
  signInPath: paths.portal.signIn,
  home: paths.portal.home,
  area: paths.portal.home,
});
