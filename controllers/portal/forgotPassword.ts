// The customer's "Forgot your password?" (controllers/shared/forgotPassword.ts).
import { paths } from '../../lib/paths.ts';
import { requestPasswordReset } from '../../models/passwordResets.ts';
import { forgotPasswordController } from '../shared/forgotPassword.ts';

export const { get, post } = forgotPasswordController({
  links: { signIn: paths.portal.signIn, forgotPassword: paths.portal.forgotPassword },
  limits: { address: 'password-reset-address', email: 'password-reset-email' },
  request: (deps, email) => requestPasswordReset(deps.db, email, deps.config),
});
