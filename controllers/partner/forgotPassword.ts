// A partner user's "Forgot your password?" (controllers/shared/forgotPassword.ts).
import { paths } from '../../lib/paths.ts';
import { requestPartnerPasswordReset } from '../../models/partnerPasswordResets.ts';
import { forgotPasswordController } from '../shared/forgotPassword.ts';

export const PARTNER_RESET_LINKS = { signIn: paths.partner.signIn, forgotPassword: paths.partner.forgotPassword };

export const { get, post } = forgotPasswordController({
  links: PARTNER_RESET_LINKS,
  limits: { address: 'partner-password-reset-address', email: 'partner-password-reset-email' },
  request: (deps, email) => requestPartnerPasswordReset(deps.db, email, deps.config),
});
