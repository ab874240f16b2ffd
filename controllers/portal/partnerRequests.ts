// The customer answers a partner's request at the top of their Portal: Accept or Decline.
import type { RequestHandler } from 'express';
import { paths } from '../../lib/paths.ts';
import type { RouterDeps } from '../../lib/deps.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { idFrom } from '../../lib/forms/validation.ts';
import { answerRequest, type Answer } from '../../models/partnerRequests.ts';

const ACCEPTED = {
  manage: (partner: string) => `You accepted: ${partner} now sees your account in their Partner Portal. You still manage it.`,
  administer: (partner: string) => `You accepted: ${partner} is now the administrator of your account.`,
};
const DECLINED = {
  manage: (partner: string) => `You declined ${partner}’s request. Nothing has changed.`,
  administer: (partner: string) => `You declined ${partner}’s request. You remain the administrator.`,
};

export function post(deps: RouterDeps, answer: Answer): RequestHandler {
  return async (req, res) => {
    const requestId = idFrom(req.params.requestId);
    if (requestId === undefined) throw new NotFoundError();
    const result = await answerRequest(deps.db, req.user!, requestId, answer, { address: req.ip, config: deps.config });
    req.session.flash = !result.answered
      ? { kind: 'info', text: 'That request is no longer waiting for an answer.' }
      : { kind: 'success', text: (answer === 'accept' ? ACCEPTED : DECLINED)[result.kind](result.partnerName) };
    res.redirect(303, paths.portal.home);
  };
}
