import type { RequestHandler } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { idFrom } from '../../lib/forms/validation.ts';
import { renderEmail } from '../../lib/mail/templates.ts';
import { linkifyText, sanitizeEmailHtml } from '../../lib/mail/preview.ts';
import { senderFor } from '../../lib/mail/transport.ts';
import { EMAIL_STATE_LABELS, findMailboxMessage, listMailbox } from '../../models/emails.ts';

// The developer mailbox: the outbox as an inbox, for development without SMTP_URL.
// Routes only exist outside production (routes/mail.ts).

export function index(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const before = idFrom(req.query.before);
    const { entries, nextBefore } = await listMailbox(deps.db, { before });
    res.render('mail/devMailbox', {
      title: 'Developer mailbox',
      entries,
      nextBefore,
      firstPage: before === undefined,
      usesSmtp: Boolean(deps.config.smtpUrl),
      stateLabels: EMAIL_STATE_LABELS,
    });
  };
}

export function show(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const id = idFrom(req.params.messageId);
    const message = id === undefined ? undefined : await findMailboxMessage(deps.db, id);
    if (!message) throw new NotFoundError();
    // Not rendered yet (still queued, or no worker running): show what it will look like.
    let rendered = message.subject !== null && message.html !== null && message.text !== null
      ? { subject: message.subject, html: message.html, text: message.text }
      : undefined;
    let renderProblem: string | undefined;
    if (!rendered) {
      try {
        rendered = await renderEmail(message.template, message.data, deps.config);
      } catch (error) {
        renderProblem = (error as Error).message;
      }
    }
    res.render('mail/devMailboxMessage', {
      title: rendered ? rendered.subject : 'Email that cannot be rendered',
      message,
      rendered,
      renderProblem,
      from: senderFor(deps.config),
      htmlPreview: rendered ? sanitizeEmailHtml(rendered.html) : '',
      textPreview: rendered ? linkifyText(rendered.text) : '',
      stateLabels: EMAIL_STATE_LABELS,
    });
  };
}
