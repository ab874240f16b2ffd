import { expect } from 'chai';
import type supertest from 'supertest';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, csrfTokenFrom, getForm, signInPartner, submitForm, uniqueEmail, type TestApp, type TestPartner } from '../support/app.ts';

const EVERY_FIELD_EMPTY = {
  customerName: '',
  customerEmail: '',
  product: '',
  plan: '',
  computers: '',
  term: '',
  administrator: '',
};

function purchaseFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    customerName: 'Harbor Dental',
    customerEmail: uniqueEmail('harbor'),
    product: 'safe-backup-pro',
    plan: 'sbp-power',
    computers: '12',
    term: '2',
    administrator: 'partner',
    ...overrides,
  };
}

function errorSummary(html: string): string[] {
  const summary = /<ul class="error-summary__list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return [...summary.matchAll(/<a href="#field-(\w+)">([^<]*)<\/a>/g)].map((m) => `${m[1]}: ${m[2]}`);
}

function fieldError(html: string, name: string): string | undefined {
  const match = new RegExp(`<p class="field__error" id="field-${name}-error"><span class="visually-hidden">Error:</span> ([^<]*)</p>`).exec(html);
  return match?.[1];
}

const decode = (text: string) => text.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"');

async function accountsOf(partner: TestPartner) {
  return testDatabase().db('customer_accounts').where({ partner_id: partner.partnerId }).orderBy('id');
}

describe('New purchase: the form, its review page and Complete purchase', () => {
  let t: TestApp;
  let partner: TestPartner;
  let agent: supertest.Agent;

  before(async () => {
    t = buildTestApp();
    partner = await createTestPartner('Purchase Test IT');
    agent = await signInPartner(t.app, partner);
  });
  after(() => t.close());

  describe('the form', () => {
    it('labels every field with the words of the issue and carries a CSRF token', async () => {
      const { html } = await getForm(agent, paths.partner.newPurchase);
      for (const label of ['Customer name', 'Customer email', 'Number of computers']) expect(html).to.match(new RegExp(`<label class="field__label" for="field-\\w+">${label}</label>`));
      for (const legend of ['Product', 'Plan', 'Term', 'Account administrator']) expect(html).to.include(`<legend class="fieldset__legend">${legend}</legend>`);
      for (const choice of ['Safe', 'Safe Backup Pro', 'Basic', 'Plus', 'Prime', 'Core', 'Power', 'Ultimate', '1 year', '2 years', '3 years', 'I will be the account administrator', 'Allow the customer to manage their own account']) {
        expect(html).to.match(new RegExp(`<label for="field-\\w+(-\\d+)?">${choice}</label>`), choice);
      }
      expect(html).to.include('novalidate');
    });

    it('answers an empty form with 422 and one message per field, in the order of the form', async () => {
      const res = await submitForm(agent, paths.partner.newPurchase, EVERY_FIELD_EMPTY);
      expect(res.status).to.equal(422);
      expect(res.text).to.match(/<title>Error: New purchase/);
      expect(errorSummary(res.text)).to.deep.equal([
        'customerName: Enter the customer name',
        'customerEmail: Enter the customer email address',
        'product: Choose a product',
        'plan: Choose a plan',
        'term: Choose a term',
        'administrator: Choose who will be the account administrator',
      ]);
      expect(fieldError(res.text, 'customerName')).to.equal('Enter the customer name');
      expect(fieldError(res.text, 'administrator')).to.equal('Choose who will be the account administrator');
      expect(res.text).to.include('id="field-administrator"');
    });

    it('gives every element its own id and points every aria-describedby at one, before and after errors', async () => {
      const { html } = await getForm(agent, paths.partner.newPurchase);
      const withErrors = (await submitForm(agent, paths.partner.newPurchase, EVERY_FIELD_EMPTY)).text;
      for (const page of [html, withErrors]) {
        const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map(([, id]) => id);
        expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'ids used twice').to.deep.equal([]);
        const described = [...page.matchAll(/aria-describedby="([^"]+)"/g)].flatMap(([, list]) => list.split(' '));
        expect(described.filter((id) => !ids.includes(id)), 'described by ids that do not exist').to.deep.equal([]);
        expect(described).to.include('field-plan-hint');
      }
    });

    const cases: [string, Record<string, string>, string, string][] = [
      ['a customer name over 200 characters', { customerName: 'x'.repeat(201) }, 'customerName', 'Customer name must be 200 characters or fewer'],
      ['an email without @', { customerEmail: 'harbor.example.com' }, 'customerEmail', 'Enter the customer email address in the correct format, like name@example.com'],
      ['an unknown product', { product: 'safe-platinum' }, 'product', 'Choose a product'],
      ['an unknown plan', { plan: 'sbp-gold' }, 'plan', 'Choose a plan'],
      ['a plan of the other product', { plan: 'safe-plus' }, 'plan', 'Choose a plan of Safe Backup Pro'],
      ['no number of computers for Safe Backup Pro', { computers: '' }, 'computers', 'Enter the number of computers'],
      ['a number of computers that is not a whole number', { computers: '2.5' }, 'computers', 'Number of computers must be a whole number, like 5'],
      ['words for the number of computers', { computers: 'ten' }, 'computers', 'Number of computers must be a whole number, like 5'],
      ['0 computers', { computers: '0' }, 'computers', 'Number of computers must be between 1 and 500'],
      ['501 computers', { computers: '501' }, 'computers', 'Number of computers must be between 1 and 500'],
      ['more than 1 computer for Safe', { product: 'safe', plan: 'safe-basic', computers: '3' }, 'computers', 'Safe is for 1 computer only: enter 1'],
      ['a term of 5 years', { term: '5' }, 'term', 'Choose a term'],
      ['an unknown administrator', { administrator: 'nobody' }, 'administrator', 'Choose who will be the account administrator'],
    ];
    for (const [what, change, field, message] of cases) {
      it(`refuses ${what}: "${message}", nothing stored, the other values kept`, async () => {
        const before = (await accountsOf(partner)).length;
        const fields = purchaseFields(change);
        const res = await submitForm(agent, paths.partner.newPurchase, fields);
        expect(res.status).to.equal(422);
        expect(errorSummary(res.text)).to.deep.equal([`${field}: ${message}`]);
        expect(fieldError(res.text, field)).to.equal(message);
        if (field !== 'customerName') expect(res.text).to.include(`value="${fields.customerName}"`);
        if (field !== 'customerEmail') expect(res.text).to.include(`value="${fields.customerEmail}"`);
        if (field !== 'term') expect(res.text).to.match(new RegExp(`name="term" value="${fields.term}" checked`));
        if (field !== 'administrator') expect(res.text).to.match(new RegExp(`name="administrator" value="${fields.administrator}" checked`));
        expect((await accountsOf(partner)).length).to.equal(before);
      });
    }

    it('keeps what was typed, even what is wrong, and never answers 500 to odd input', async () => {
      const res = await submitForm(agent, paths.partner.newPurchase, purchaseFields({ customerName: '<b>Ünïcode & Co</b>', customerEmail: 'not an email', computers: '12abc' }));
      expect(res.status).to.equal(422);
      expect(res.text).to.include('value="&lt;b&gt;Ünïcode &amp; Co&lt;/b&gt;"');
      expect(res.text).to.include('value="not an email"');
      expect(res.text).to.include('value="12abc"');
      expect(res.text).to.match(/name="plan" value="sbp-power" checked/);
      const { csrf } = await getForm(agent, paths.partner.newPurchase);
      const arrays = await agent.post(paths.partner.newPurchase).type('form').send(`_csrf=${encodeURIComponent(csrf)}&customerName=a&customerName=b&product[x]=1`);
      expect(arrays.status).to.equal(422);
      expect(errorSummary(arrays.text)[0]).to.equal('customerName: Enter the customer name');
    });

    it('takes Safe with the number of computers left empty as 1 computer', async () => {
      const res = await submitForm(agent, paths.partner.newPurchase, purchaseFields({ product: 'safe', plan: 'safe-prime', computers: '' }));
      expect(res.status).to.equal(303);
      const review = await agent.get(paths.partner.reviewPurchase).expect(200);
      expect(review.text).to.match(/<dt>Number of computers<\/dt>\s*<dd>1<\/dd>/);
    });
  });

  describe('the review page', () => {
    it('shows everything chosen and the total, with Change links back to the form with the values kept', async () => {
      const fields = purchaseFields({ customerName: 'Cedar Law', computers: '3', term: '3', plan: 'sbp-core', administrator: 'customer' });
      const res = await submitForm(agent, paths.partner.newPurchase, fields);
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(paths.partner.reviewPurchase);
      const review = await agent.get(paths.partner.reviewPurchase).expect(200);
      const text = decode(review.text);
      expect(text).to.match(/<dt>Customer name<\/dt>\s*<dd>Cedar Law<\/dd>/);
      expect(text).to.include(`<dd>${fields.customerEmail}</dd>`);
      expect(text).to.match(/<dt>Product<\/dt>\s*<dd>Safe Backup Pro<\/dd>/);
      expect(text).to.match(/<dt>Plan<\/dt>\s*<dd>Core \(\$287\.99 per computer per year\)<\/dd>/);
      expect(text).to.match(/<dt>Term<\/dt>\s*<dd>3 years, from /);
      expect(text).to.include('The customer manages their own account');
      // 3 computers x 3 years x $287.99
      expect(text).to.include('<strong>$2,591.91</strong>');
      expect(text).to.include(`href="${paths.partner.newPurchase}#field-plan">Change<span class="visually-hidden"> plan</span>`);
      expect(text).to.include('Complete purchase');

      const form = await agent.get(paths.partner.newPurchase).expect(200);
      expect(form.text).to.include('value="Cedar Law"');
      expect(form.text).to.include(`value="${fields.customerEmail}"`);
      expect(form.text).to.match(/name="plan" value="sbp-core" checked/);
      expect(form.text).to.match(/name="term" value="3" checked/);
      expect(form.text).to.match(/name="administrator" value="customer" checked/);
      expect(form.text).to.include('id="field-computers" name="computers" type="text" value="3"');
    });

    it('sends a partner with no purchase under way from the review page to the form', async () => {
      const other = await signInPartner(t.app, await createTestPartner('No Draft IT'));
      const res = await other.get(paths.partner.reviewPurchase).expect(303);
      expect(res.headers.location).to.equal(paths.partner.newPurchase);
    });
  });

  describe('Complete purchase', () => {
    async function reviewPage(a: supertest.Agent, fields: Record<string, string>): Promise<{ purchaseKey: string; csrf: string }> {
      const res = await submitForm(a, paths.partner.newPurchase, fields);
      expect(res.status).to.equal(303);
      const review = await a.get(paths.partner.reviewPurchase).expect(200);
      return { purchaseKey: /name="purchaseKey" value="([^"]+)"/.exec(review.text)![1], csrf: csrfTokenFrom(review.text) };
    }

    it('places a partner-administered purchase: active at once, a key code, an audit event, and no email to the customer', async () => {
      const fields = purchaseFields({ product: 'safe', plan: 'safe-plus', computers: '1', term: '1', administrator: 'partner' });
      const { purchaseKey, csrf } = await reviewPage(agent, fields);
      const res = await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey, _csrf: csrf }).expect(303);
      const { db } = testDatabase();
      const account = await db('customer_accounts').where({ purchase_key: purchaseKey }).first();
      expect(res.headers.location).to.equal(paths.partner.account(account.id));
      expect(account).to.include({ partner_id: partner.partnerId, name: fields.customerName, email: fields.customerEmail, administrator: 'partner', status: 'active' });
      const subscription = await db('subscriptions').where({ customer_account_id: account.id }).first();
      expect(subscription).to.include({ product_id: 'safe', plan_id: 'safe-plus', computers_allowed: 1, term_years: 1, total_price_cents: 11199 });
      expect(subscription.key_code).to.match(/^[ACDEFGHJKMNPQRTUVWXY34679]{4}(-[ACDEFGHJKMNPQRTUVWXY34679]{4}){3}$/);
      expect(await db('outbox_emails').where({ customer_account_id: account.id })).to.have.length(0);
      expect(await db('registration_invitations').where({ customer_account_id: account.id })).to.have.length(0);
      const audit = await db('audit_events').where({ customer_account_id: account.id, action: 'purchase.completed' });
      expect(audit).to.have.length(1);
      expect(audit[0]).to.include({ partner_id: partner.partnerId, actor_type: 'partner_user', actor_id: partner.userId });
      const dashboard = await agent.get(res.headers.location).expect(200);
      expect(dashboard.text).to.include('Purchase complete. You are the account administrator');
    });

    it('places a customer-managed purchase: pending registration, with one registration email queued', async () => {
      const fields = purchaseFields({ administrator: 'customer' });
      const { purchaseKey, csrf } = await reviewPage(agent, fields);
      await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey, _csrf: csrf }).expect(303);
      const { db } = testDatabase();
      const account = await db('customer_accounts').where({ purchase_key: purchaseKey }).first();
      expect(account).to.include({ administrator: 'customer', status: 'pending_registration' });
      const emails = await db('outbox_emails').where({ customer_account_id: account.id });
      expect(emails).to.have.length(1);
      expect(emails[0]).to.include({ recipient: fields.customerEmail, template: 'registration-invitation' });
      expect(await db('registration_invitations').where({ customer_account_id: account.id })).to.have.length(1);
    });

    it('places one purchase for 20 concurrent submits of the same review page, and shows it to every one', async () => {
      const { purchaseKey, csrf } = await reviewPage(agent, purchaseFields({ customerName: 'Double Click Bakery', administrator: 'customer' }));
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey, _csrf: csrf })),
      );
      const { db } = testDatabase();
      const accounts = await db('customer_accounts').where({ partner_id: partner.partnerId, name: 'Double Click Bakery' });
      expect(accounts).to.have.length(1);
      expect(responses.map((r) => r.status)).to.deep.equal(Array(20).fill(303));
      expect(new Set(responses.map((r) => r.headers.location))).to.deep.equal(new Set([paths.partner.account(accounts[0].id)]));
      expect(await db('subscriptions').where({ customer_account_id: accounts[0].id })).to.have.length(1);
      expect(await db('outbox_emails').where({ customer_account_id: accounts[0].id })).to.have.length(1);
      expect(await db('audit_events').where({ customer_account_id: accounts[0].id, action: 'purchase.completed' })).to.have.length(1);
    });

    it('shows the same account, and buys nothing more, after the back button and another submit, or a refresh of the review page', async () => {
      const { purchaseKey, csrf } = await reviewPage(agent, purchaseFields({ customerName: 'Back Button Books' }));
      const first = await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey, _csrf: csrf }).expect(303);
      const again = await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey, _csrf: csrf }).expect(303);
      expect(again.headers.location).to.equal(first.headers.location);
      const dashboard = await agent.get(again.headers.location).expect(200);
      expect(dashboard.text).to.include('This purchase was already completed. Here is the account.');
      const refreshed = await agent.get(paths.partner.reviewPurchase).expect(303);
      expect(refreshed.headers.location).to.equal(first.headers.location);
      expect(await testDatabase().db('customer_accounts').where({ partner_id: partner.partnerId, name: 'Back Button Books' })).to.have.length(1);
      const form = await agent.get(paths.partner.newPurchase).expect(200);
      expect(form.text, 'a new purchase starts empty').not.to.include('Back Button Books');
    });

    it('buys nothing from a stale review page whose details were changed in another tab', async () => {
      const stale = await reviewPage(agent, purchaseFields({ customerName: 'Stale Tab Studio' }));
      await reviewPage(agent, purchaseFields({ customerName: 'Fresh Tab Studio' }));
      const res = await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey: stale.purchaseKey, _csrf: stale.csrf }).expect(303);
      expect(res.headers.location).to.equal(paths.partner.reviewPurchase);
      const { db } = testDatabase();
      expect(await db('customer_accounts').where({ partner_id: partner.partnerId }).whereIn('name', ['Stale Tab Studio', 'Fresh Tab Studio'])).to.have.length(0);
      const review = await agent.get(paths.partner.reviewPurchase).expect(200);
      expect(review.text).to.include('The purchase details have changed since that page was shown.');
      expect(review.text).to.include('Fresh Tab Studio');
    });

    it('refuses a Complete purchase without a valid CSRF token, and a malformed purchase key buys nothing', async () => {
      const { purchaseKey } = await reviewPage(agent, purchaseFields({ customerName: 'No Token Travel' }));
      await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey }).expect(403);
      const { csrf } = await getForm(agent, paths.partner.newPurchase);
      const res = await agent.post(paths.partner.completePurchase).type('form').send({ purchaseKey: 'not-a-key', _csrf: csrf }).expect(303);
      expect(res.headers.location).to.equal(paths.partner.reviewPurchase);
      expect(await testDatabase().db('customer_accounts').where({ partner_id: partner.partnerId, name: 'No Token Travel' })).to.have.length(0);
    });

    it('sends a visitor who is not signed in to the partner sign-in', async () => {
      const res = await (await import('supertest')).default(t.app).get(paths.partner.newPurchase).expect(303);
      expect(res.headers.location).to.equal(`${paths.partner.signIn}?next=${encodeURIComponent(paths.partner.newPurchase)}`);
    });
  });
});
