// Every limit holds under concurrency: 50 attempts sent at once get no more than the limit's
// places, because each attempt takes its place atomically before the work it guards
// (models/rateLimits.ts, rate_limit_take). On the code before that, attempts sent in
// parallel all passed the count and were recorded only after the work.
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { RATE_LIMITS, takePlace, type LimitName } from '../../models/rateLimits.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, getForm, signInPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { CUSTOMER_PASSWORD, installComputer, openLink, pathOf, registeredCustomer, registrationPath, signInCustomer } from '../support/customers.ts';
import { purchaseFor } from '../support/fixtures.ts';

const AT_ONCE = 50;
const db = () => testDatabase().db;

const times = <T>(n: number, make: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => make(i)));

async function placesHeld(bucket: LimitName, key: string): Promise<number> {
  const [{ count }] = await db()('rate_limit_hits').where({ bucket, key }).count<{ count: string }[]>('* as count');
  return Number(count);
}

describe('rate limits under concurrency: 50 attempts at once', function () {
  this.timeout(120_000);
  let t: TestApp;
  let partner: TestPartner;

  before(async () => {
    t = buildTestApp({ TRUST_PROXY: 'true' });
    partner = await createTestPartner('Concurrency Test IT');
  });
  after(() => t.close());

  it('gives every limit in the table exactly its max places, whatever arrives at once', async () => {
    for (const name of Object.keys(RATE_LIMITS) as LimitName[]) {
      const key = `concurrency-${name}`;
      const places = await times(AT_ONCE, () => takePlace(db(), name, key));
      expect(places.filter((p) => p.taken), name).to.have.length(Math.min(AT_ONCE, RATE_LIMITS[name].max));
      expect(await placesHeld(name, key), name).to.equal(Math.min(AT_ONCE, RATE_LIMITS[name].max));
    }
  });

  for (const scope of ['partner', 'customer'] as const) {
    it(`checks no more than ${RATE_LIMITS[`${scope}-sign-in-account`].max} of 50 parallel ${scope} sign-ins for one email, and the right password is refused once the limit is full`, async () => {
      // Its own user: the limit this test fills must not pause the other tests' sign-ins.
      const customer = scope === 'customer' ? await registeredCustomer(partner) : undefined;
      const owner = scope === 'partner' ? await createTestPartner('Concurrency Sign-in IT') : undefined;
      const email = owner ? owner.email : customer!.email;
      const right = owner ? owner.password : CUSTOMER_PASSWORD;
      const signInPath = scope === 'partner' ? paths.partner.signIn : paths.portal.signIn;
      const agent = supertest.agent(t.app);
      const { csrf } = await getForm(agent, signInPath);
      // The right password arrives last, after the wrong ones have taken every place.
      const answers = await times(AT_ONCE, (i) =>
        agent
          .post(signInPath)
          .set('X-Forwarded-For', `198.51.100.${i + 1}`)
          .type('form')
          .send({ email, password: i === AT_ONCE - 1 ? right : `wrong guess ${i}`, _csrf: csrf }),
      );
      const checked = answers.filter((r) => r.text.includes('The email address or password is not right'));
      const paused = answers.filter((r) => r.text.includes('Sign-in for this email address is paused'));
      const max = RATE_LIMITS[`${scope}-sign-in-account`].max;
      expect(checked.length).to.be.at.most(max);
      expect(checked.length + paused.length + answers.filter((r) => r.status === 303).length).to.equal(AT_ONCE);
      expect(await placesHeld(`${scope}-sign-in-account`, email.toLowerCase())).to.be.at.most(max);
      // The limit is full: the right password is refused now too, until the window passes.
      const late = await agent.post(signInPath).type('form').send({ email, password: right, _csrf: csrf });
      expect(late.status).to.equal(422);
      expect(late.text).to.include('Sign-in for this email address is paused');
    });
  }

  it('activates no more than the per-address limit from one address', async () => {
    const address = '198.51.100.200';
    const max = RATE_LIMITS['api-activation-address'].max;
    const answers = await times(AT_ONCE, (i) =>
      supertest(t.app)
        .post('/api/v1/installations')
        .set('X-Forwarded-For', address)
        .send({ keyCode: 'ACDE-FGHJ-KMNP-QRTU', computerName: `PC ${i}`, platform: 'windows' }),
    );
    expect(answers.filter((r) => r.status !== 429)).to.have.length(max);
    expect(answers.filter((r) => r.status === 429)).to.have.length(AT_ONCE - max);
  });

  it('checks no more than the limit of 50 parallel wrong current passwords', async () => {
    const customer = await registeredCustomer(partner);
    const agent = await signInCustomer(t.app, customer.email);
    const { csrf } = await getForm(agent, paths.portal.changePassword);
    const fields = { password: 'seven quiet owls at noon', confirmPassword: 'seven quiet owls at noon', _csrf: csrf };
    const answers = await times(AT_ONCE, (i) => agent.post(paths.portal.changePassword).type('form').send({ ...fields, currentPassword: `guess number ${i}` }));
    const max = RATE_LIMITS['customer-current-password'].max;
    expect(answers.filter((r) => r.status === 422)).to.have.length(max);
    expect(answers.filter((r) => r.status === 429)).to.have.length(AT_ONCE - max);
  });

  it('matches no more than the limit of 50 parallel wrong serial numbers on the registration computer step', async () => {
    const account = await purchaseFor(partner);
    await installComputer(account, 'Study-Mac', 'mac');
    const agent = supertest.agent(t.app);
    const { journeyId } = await openLink(agent, await registrationPath(account.accountId));
    const computerUrl = paths.registration.computer(journeyId);
    const { csrf } = await getForm(agent, computerUrl);
    const answers = await times(AT_ONCE, (i) => agent.post(computerUrl).type('form').send({ serialNumber: `NOPE-${i}`, computerName: '', _csrf: csrf }));
    const max = RATE_LIMITS['registration-computer'].max;
    expect(answers.filter((r) => r.status === 422)).to.have.length(max);
    expect(answers.filter((r) => r.status === 429)).to.have.length(AT_ONCE - max);
  });

  it('checks no more than the limit of 50 parallel answers to a reset link, then the link is spent', async () => {
    const customer = await registeredCustomer(partner);
    const agent = supertest.agent(t.app);
    const { csrf } = await getForm(agent, paths.portal.forgotPassword);
    await agent.post(paths.portal.forgotPassword).type('form').send({ email: customer.email, _csrf: csrf }).expect(303);
    const reset = await db()('password_resets').where({ customer_user_id: customer.userId }).orderBy('id', 'desc').first();
    const email = await db()('outbox_emails').where({ recipient: customer.email, template: 'password-reset' }).orderBy('id', 'desc').first();
    const link = pathOf(email.data.resetUrl);
    await agent.get(link).expect(200);
    const answers = await times(AT_ONCE, (i) => agent.post(link).type('form').send({ answer: `wrong ${i}`, _csrf: csrf }));
    const max = RATE_LIMITS['password-reset-answer'].max;
    expect(await placesHeld('password-reset-answer', String(reset.id))).to.be.at.most(max);
    expect(answers.filter((r) => r.status === 422)).to.have.length.at.most(max - 1);
    const spent = await db()('password_resets').where({ id: reset.id }).first();
    expect(spent.used_at).to.not.equal(null);
  });

  it('sends no more registration emails than the resend limit for 50 parallel resends', async () => {
    const account = await purchaseFor(partner);
    const agent = await signInPartner(t.app, partner);
    const { csrf } = await getForm(agent, paths.partner.account(account.accountId));
    await times(AT_ONCE, () => agent.post(paths.partner.resendRegistration(account.accountId)).type('form').send({ _csrf: csrf }));
    const invitations = await db()('registration_invitations').where({ customer_account_id: account.accountId });
    // The purchase's own link, and at most the limit's resends.
    expect(invitations.length).to.be.at.most(1 + RATE_LIMITS['registration-resend'].max);
    expect(await placesHeld('registration-resend', String(account.accountId))).to.equal(RATE_LIMITS['registration-resend'].max);
  });

  it('queues no more reset emails than the per-email limit for 50 parallel requests', async () => {
    const customer = await registeredCustomer(partner);
    const agent = supertest.agent(t.app);
    const { csrf } = await getForm(agent, paths.portal.forgotPassword);
    await times(AT_ONCE, (i) =>
      agent.post(paths.portal.forgotPassword).set('X-Forwarded-For', `198.51.100.${i + 1}`).type('form').send({ email: customer.email, _csrf: csrf }),
    );
    const resets = await db()('password_resets').where({ customer_user_id: customer.userId });
    expect(resets.length).to.be.at.most(RATE_LIMITS['password-reset-email'].max);
    expect(resets.length).to.be.greaterThan(0);
  });
});
