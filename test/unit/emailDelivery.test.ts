import { expect } from 'chai';
import { messageIdFor, retryDelayMs } from '../../lib/mail/deliveryWorker.ts';
import { createMailer, describeSendError, isPermanentRejection, senderFor } from '../../lib/mail/transport.ts';
import { emailStateOf } from '../../models/emails.ts';

describe('email delivery rules', () => {
  it('backs off exponentially from 5 seconds and caps at 10 minutes', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30, 1000].map((n) => retryDelayMs(n, 5000, 600_000) / 1000);
    expect(delays).to.deep.equal([5, 10, 20, 40, 80, 160, 320, 600, 600, 600, 600]);
  });

  it('treats only a 5xx refusal of the recipient or the message as permanent', () => {
    expect(isPermanentRejection({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, permanent: true })).to.equal(true);
    expect(isPermanentRejection({ code: 'EMESSAGE', command: 'DATA', responseCode: 554, permanent: true })).to.equal(true);
    expect(isPermanentRejection({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, permanent: false })).to.equal(false);
    // Our sender or our credentials refused: a configuration to fix, the mail must wait for it.
    expect(isPermanentRejection({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, permanent: true })).to.equal(false);
    expect(isPermanentRejection({ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, permanent: true })).to.equal(false);
    expect(isPermanentRejection({ code: 'ESOCKET', command: 'CONN' })).to.equal(false);
    expect(isPermanentRejection(new Error('anything'))).to.equal(false);
  });

  it('describes a failure by the server’s answer when there is one', () => {
    expect(describeSendError({ response: '550 5.1.1 No such\r\n user', code: 'EENVELOPE', message: 'x' })).to.equal('550 5.1.1 No such user');
    expect(describeSendError({ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' })).to.equal('ESOCKET: connect ECONNREFUSED 127.0.0.1:25');
    expect(describeSendError(new Error('x'.repeat(900)))).to.have.length(500);
  });

  it('gives a row the same Message-ID every time, and different rows different ones', () => {
    const a = messageIdFor({ id: 7, idempotency_key: 'registration-invitation:7' }, 'https://portal.example.com');
    expect(a).to.match(/^<outbox-7\.[0-9a-f]{16}@portal\.example\.com>$/);
    expect(messageIdFor({ id: 7, idempotency_key: 'registration-invitation:7' }, 'https://portal.example.com')).to.equal(a);
    expect(messageIdFor({ id: 8, idempotency_key: 'registration-invitation:8' }, 'https://portal.example.com')).not.to.equal(a);
  });

  it('has no transport without SMTP_URL, and sends as the brand from the app’s host', () => {
    expect(createMailer({ smtpUrl: undefined, brandName: 'Carbonite', appUrl: 'http://localhost:3000' })).to.equal(undefined);
    const mailer = createMailer({ smtpUrl: 'smtps://us%40er:p%3Ass@smtp.example.com', brandName: 'Carbonite', appUrl: 'https://portal.example.com' });
    expect(mailer?.description).to.equal('smtps://smtp.example.com:465');
    mailer?.close();
    expect(createMailer({ smtpUrl: 'smtp://smtp.example.com', brandName: 'C', appUrl: 'https://p.example' })?.description).to.equal('smtp://smtp.example.com:587');
    expect(senderFor({ brandName: 'Carbonite', appUrl: 'https://portal.example.com' })).to.deep.equal({ name: 'Carbonite', address: 'no-reply@portal.example.com' });
  });

  it('names the states a partner sees', () => {
    expect(emailStateOf({ status: 'pending', attempts: 0 })).to.equal('queued');
    expect(emailStateOf({ status: 'pending', attempts: 3 })).to.equal('retrying');
    expect(emailStateOf({ status: 'sent', attempts: 1 })).to.equal('sent');
    expect(emailStateOf({ status: 'failed', attempts: 1 })).to.equal('failed');
    expect(emailStateOf({ status: 'dead', attempts: 24 })).to.equal('dead');
  });
});
