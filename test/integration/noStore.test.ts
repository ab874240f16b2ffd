// Issue 14 item 4: nothing personal kept in caches. Every signed-in page of the Partner
// Portal, the customer Portal and the registration wizard answers Cache-Control: no-store.
import { expect } from 'chai';
import supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { buildTestApp, createTestPartner, signInPartner, submitForm, type TestApp } from '../support/app.ts';
import { purchaseFor } from '../support/fixtures.ts';
import { registeredCustomer, registrationPath, signInCustomer } from '../support/customers.ts';

function expectNoStore(res: supertest.Response, page: string): void {
  expect(res.status, `${page} answered`).to.be.oneOf([200, 303]);
  expect(res.headers['cache-control'], page).to.equal('no-store');
}

describe('Cache-Control: no-store on every signed-in page', () => {
  let t: TestApp;

  before(() => {
    t = buildTestApp();
  });
  after(() => t.close());

  it('on every page of the Partner Portal, its redirects and its 404s', async () => {
    const partner = await createTestPartner('No Store IT');
    const administered = await purchaseFor(partner, { administrator: 'partner' });
    const customerManaged = await purchaseFor(partner);
    const agent = await signInPartner(t.app, partner);
    const purchase = await submitForm(agent, paths.partner.newPurchase, {
      customerName: 'Cache Free Ltd',
      customerEmail: 'cache.free@example.test',
      product: 'safe',
      plan: 'safe-basic',
      computers: '1',
      term: '1',
      administrator: 'partner',
    });
    expectNoStore(purchase, 'the purchase form sent');
    for (const page of [
      paths.partner.accounts,
      `${paths.partner.accounts}?q=cache`,
      paths.partner.accountsCsv,
      paths.partner.newPurchase,
      paths.partner.reviewPurchase,
      paths.partner.account(administered.accountId),
      paths.partner.account(customerManaged.accountId),
      paths.partner.installCarbonite(administered.accountId),
      paths.partner.handOver(administered.accountId),
      paths.partner.activity,
      paths.partner.undeliveredMail,
      paths.partner.signIn,
    ]) {
      expectNoStore(await agent.get(page), page);
    }
    const missing = await agent.get(paths.partner.account(999_999_999)).expect(404);
    expect(missing.headers['cache-control'], 'another partner’s or no account').to.equal('no-store');
  });

  it('on every page of the customer Portal', async () => {
    const partner = await createTestPartner('No Store Portal IT');
    const customer = await registeredCustomer(partner);
    const agent = await signInCustomer(t.app, customer.email);
    for (const page of [paths.portal.home, paths.portal.install, paths.portal.settings, paths.portal.changePassword, paths.portal.changeSecurityQuestions]) {
      expectNoStore(await agent.get(page).expect(200), page);
    }
  });

  it('on every step of the registration wizard', async () => {
    const partner = await createTestPartner('No Store Wizard IT');
    const account = await purchaseFor(partner);
    const agent = supertest.agent(t.app);
    const opened = await agent.get(await registrationPath(account.accountId)).expect(303);
    expectNoStore(opened, 'the emailed link');
    const step = opened.headers.location as string;
    expect(step).to.match(/^\/register\/[^/]+\/(computer|account|personal)$/);
    expectNoStore(await agent.get(step).expect(200), step);
  });
});
