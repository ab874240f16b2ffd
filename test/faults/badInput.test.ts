// Every form field and every API field gets bad values, and every form and API address
// gets malformed bodies: the answer is never a 5xx, says clearly what is wrong, never
// echoes script as markup, and nothing is stored that should not be. The forms are found
// by following the links of each kind of user and walking each journey, so a new page or
// field is swept without anyone listing it.
import { expect } from 'chai';
import { paths } from '../../lib/paths.ts';
import { activateInstallation } from '../../models/installations.ts';
import { requestPasswordReset } from '../../models/passwordResets.ts';
import { testDatabase } from '../support/hooks.ts';
import { buildTestApp, createTestPartner, listen, type TestApp, type TestPartner } from '../support/app.ts';
import { purchaseFor, type TestAccount } from '../support/fixtures.ts';
import { ANSWER_1, ANSWER_2, CUSTOMER_PASSWORD, pathOf, registeredCustomer, type RegisteredCustomer } from '../support/customers.ts';
import { crawl, shapeOf } from './support/discover.ts';
import { defaultValues, parseForms, type PageForm } from './support/html.ts';
import { WebClient, encodeForm, follow, type WebResponse } from './support/webClient.ts';
import { purchaseFields, signInCustomer, signInPartner } from './support/journeys.ts';
import {
  BODY_CASES,
  FORBIDDEN_IN_STORED_TEXT,
  FORM_VALUES,
  KEY_CASES,
  MEGABYTE,
  SCRIPT,
  SQL,
  UNICODE_TRICKS,
  unclearHtml,
  unclearJson,
  unescapedEcho,
  type BadValue,
} from './support/badInput.ts';

const db = () => testDatabase().db;

// Each request comes from its own address (the app trusts X-Forwarded-For here), so the
// per-address limits on sign-in, links and activations never stop the sweep early.
let addressCounter = 0;
const nextAddress = () => {
  addressCounter += 1;
  return `198.18.${Math.floor(addressCounter / 250) % 250}.${(addressCounter % 250) + 1}`;
};

// A page with a form, and how to get to it again when a case changed what it shows.
interface FormSource {
  name: string;
  action: string; // the form's action, as a shape (ids and tokens replaced)
  open(): Promise<{ client: WebClient; page: string; status: number }>;
}

interface Tally {
  cases: number;
  byGroup: Record<string, number>;
  failures: string[];
}

const TEXT_INPUTS = new Set(['text', 'email', 'password', 'search', 'textarea', 'tel', 'number', 'url']);

// The form as a person would leave it untouched: hidden fields and choices as drawn,
// text boxes empty (an edit form's prefilled text would otherwise make every case a real submit).
function untouched(form: PageForm): Record<string, string> {
  const values = defaultValues(form);
  for (const field of form.fields) if (TEXT_INPUTS.has(field.kind)) values[field.name] = '';
  return values;
}

function encodeValue(value: BadValue): Buffer {
  if (value.raw) return value.raw;
  return Buffer.from(encodeURIComponent(typeof value.text === 'string' ? value.text : ''));
}

// An urlencoded body: the other fields as given, and `field` set to the bad value (raw bytes kept raw).
function formBody(fields: Record<string, string>, field: string, value: BadValue): Buffer {
  const others = encodeForm(Object.fromEntries(Object.entries(fields).filter(([name]) => name !== field)));
  const key = encodeURIComponent(field);
  const target = Array.isArray(value.text)
    ? Buffer.from(value.text.map((v) => `${key}=${encodeURIComponent(v)}`).join('&'))
    : Buffer.concat([Buffer.from(`${key}=`), encodeValue(value)]);
  return Buffer.concat([Buffer.from(others ? `${others}&` : ''), target]);
}

describe('fault: bad input sweep', function () {
  this.timeout(240_000);
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let partner: TestPartner;
  let customer: RegisteredCustomer;
  const tally: Tally = { cases: 0, byGroup: {}, failures: [] };
  const idsBefore: Record<string, number> = {};
  const STORED_TABLES = ['customer_accounts', 'customer_users', 'registration_invitations', 'outbox_emails', 'audit_events', 'installations', 'backups', 'password_resets', 'partner_users', 'rate_limit_hits'];

  const client = () => new WebClient(server.url, { headers: () => ({ 'x-forwarded-for': nextAddress() }) });

  before(async () => {
    t = buildTestApp({ TRUST_PROXY: 'true' });
    server = await listen(t.app);
    partner = await createTestPartner('Sweep IT');
    await purchaseFor(partner); // customer-managed, pending: its dashboard has Resend
    await purchaseFor(partner, { administrator: 'partner' }); // partner-managed: Hand over, Install
    customer = await registeredCustomer(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
    for (const table of STORED_TABLES) idsBefore[table] = Number((await db()(table).max('id as id'))[0].id ?? 0);
  });

  after(async () => {
    await server.close();
    await t.close();
  });

  function count(group: string): void {
    tally.cases += 1;
    tally.byGroup[group] = (tally.byGroup[group] ?? 0) + 1;
  }

  // Judges one answer to a form (following a redirect to the page it leads to).
  async function judgeForm(c: WebClient, what: string, res: WebResponse, urlTooLong = false): Promise<void> {
    const problems: string[] = [];
    const pages = [res];
    if (res.status >= 300 && res.status < 400) pages.push(await follow(c, res));
    for (const page of pages) {
      if (page.status >= 500) problems.push(`answered ${page.status}`);
      const echo = unescapedEcho(page.text);
      if (echo) problems.push(`echoed ${echo} unescaped`);
      if (page.status >= 400 && page.status < 500) {
        // Node itself refuses an address or headers too long to read, before the app sees them.
        if (urlTooLong && (page.status === 414 || page.status === 431)) continue;
        const unclear = unclearHtml(page);
        if (unclear) problems.push(`${page.status}: ${unclear}`);
      }
    }
    if (problems.length) tally.failures.push(`${what}: ${problems.join('; ')}`);
  }

  // Finds the form on a freshly fetched page, opening the source again when a case changed it.
  async function freshForm(source: FormSource, state: { client?: WebClient; page?: string; status?: number }): Promise<{ client: WebClient; form: PageForm; csrf: string }> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (!state.client || attempt > 0) Object.assign(state, await source.open());
      const res = await state.client!.get(state.page!);
      const form = parseForms(res.text, state.page!).find((f) => shapeOf(f.action) === source.action);
      if (res.status === state.status && form) {
        const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1] ?? '';
        return { client: state.client!, form, csrf };
      }
    }
    throw new Error(`${source.name}: the form ${source.action} could not be reached again`);
  }

  async function sweepForm(source: FormSource): Promise<number> {
    const state: { client?: WebClient; page?: string; status?: number } = {};
    const { form: first } = await freshForm(source, state);
    const fields = first.fields.filter((f) => f.kind !== 'button').map((f) => f.name);
    const group = `${first.method.toUpperCase()} ${source.action}`;
    const label = (what: string) => `${group} ${what}`;

    for (const field of fields) {
      for (const value of FORM_VALUES) {
        const { client: c, form, csrf } = await freshForm(source, state);
        const base = { ...untouched(form), ...(csrf ? { _csrf: csrf } : {}) };
        const body = formBody(base, field, value);
        count(group);
        const what = label(`${field} = ${value.kind}`);
        try {
          const res =
            form.method === 'post'
              ? await c.request('POST', form.action, { contentType: 'application/x-www-form-urlencoded', body })
              : await c.get(`${form.action.split('?')[0]}?${body.toString('latin1')}`);
          await judgeForm(c, what, res, form.method === 'get' && value.kind.startsWith('huge'));
        } catch (error) {
          tally.failures.push(`${what}: no answer (${String(error)})`);
        }
      }
    }

    for (const keyCase of KEY_CASES) {
      for (const field of keyCase.kind === 'object notation key' ? fields.filter((f) => f !== '_csrf') : [fields[0]]) {
        const { client: c, form, csrf } = await freshForm(source, state);
        const fieldsBody = encodeForm({ ...untouched(form), ...(csrf ? { _csrf: csrf } : {}) });
        const extra = keyCase.body(field);
        count(group);
        const what = label(`${keyCase.kind}${keyCase.kind === 'object notation key' ? ` (${field})` : ''}`);
        const res =
          form.method === 'post'
            ? await c.request('POST', form.action, { contentType: 'application/x-www-form-urlencoded', body: `${fieldsBody}&${extra}` })
            : await c.get(`${form.action.split('?')[0]}?${fieldsBody}&${extra}`);
        await judgeForm(c, what, res);
      }
    }

    if (first.method === 'post') {
      for (const bodyCase of BODY_CASES) {
        const { client: c, form, csrf } = await freshForm(source, state);
        const fieldsBody = encodeForm({ ...untouched(form), ...(csrf ? { _csrf: csrf } : {}) });
        count(group);
        const what = label(`body: ${bodyCase.kind}`);
        try {
          const res = await c.request('POST', form.action, { contentType: bodyCase.contentType, headers: bodyCase.headers, body: bodyCase.body(fieldsBody) });
          await judgeForm(c, what, res);
        } catch (error) {
          tally.failures.push(`${what}: no answer (${String(error)})`);
        }
      }
    }
    return fields.length;
  }

  // ---- Where the forms are ----

  async function signedInPartner(): Promise<WebClient> {
    const c = client();
    await signInPartner(c, partner);
    return c;
  }

  async function signedInCustomer(): Promise<WebClient> {
    const c = client();
    await signInCustomer(c, customer.email, customer.password);
    return c;
  }

  // Every form on every page a kind of user reaches by links, each form swept once.
  async function crawledSources(name: string, who: () => Promise<WebClient>, start: string[], prefixes: string[]): Promise<FormSource[]> {
    const pages = await crawl(await who(), start, prefixes);
    const sources: FormSource[] = [];
    const seen = new Set<string>();
    for (const page of pages) {
      for (const form of page.forms) {
        const key = `${form.method} ${shapeOf(form.action)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let signedIn: WebClient | undefined;
        sources.push({
          name: `${name} ${page.path}`,
          action: shapeOf(form.action),
          // The same signed-in browser while it works; signed in again when a case signed it out.
          async open() {
            if (signedIn) {
              const check = await signedIn.get(page.path);
              if (check.status !== page.status) signedIn = undefined;
            }
            signedIn ??= await who();
            return { client: signedIn, page: page.path, status: page.status };
          },
        });
      }
    }
    return sources;
  }

  async function registrationLink(account: TestAccount): Promise<string> {
    const row = await db()('outbox_emails').where({ customer_account_id: account.accountId, template: 'registration-invitation' }).orderBy('id', 'desc').first('data');
    return pathOf(row.data.registrationUrl as string);
  }

  // A wizard step reached through a fresh link each time it is opened.
  function registrationStep(name: string, step: 'computer' | 'account' | 'personal', makeAccount: () => Promise<TestAccount>): FormSource {
    return {
      name,
      action: shapeOf(paths.registration[step]('x'.repeat(22))),
      async open() {
        const c = client();
        const opened = await c.get(await registrationLink(await makeAccount()));
        return { client: c, page: opened.location!, status: 200 };
      },
    };
  }

  const journeySources = (): FormSource[] => [
    {
      name: 'purchase review page',
      action: paths.partner.completePurchase,
      async open() {
        const c = await signedInPartner();
        await c.submit(paths.partner.newPurchase, { ...purchaseFields({ customerName: 'Sweep Review Customer', administrator: 'partner' }) });
        return { client: c, page: paths.partner.reviewPurchase, status: 200 };
      },
    },
    registrationStep('registration: serial number or computer name', 'computer', async () => {
      const account = await purchaseFor(partner);
      await activateInstallation(db(), { keyCode: account.keyCode, computerName: 'Sweep-PC', platform: 'windows' });
      return account;
    }),
    registrationStep('registration: account information', 'account', () => purchaseFor(partner)),
    registrationStep('registration: personal information', 'personal', () =>
      purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 }),
    ),
    {
      name: 'registration: expired link, send me a new link',
      action: paths.registration.newLink,
      async open() {
        const account = await purchaseFor(partner);
        await db()('registration_invitations').where({ customer_account_id: account.accountId }).update({ expires_at: db().raw(`now() - interval '1 minute'`) });
        const c = client();
        const link = await registrationLink(account);
        return { client: c, page: link, status: 410 };
      },
    },
    {
      name: 'password reset: security question',
      action: shapeOf(paths.portal.resetPassword('x'.repeat(43))),
      async open() {
        return { client: client(), page: await resetLink(), status: 200 };
      },
    },
    {
      name: 'password reset: new password',
      action: shapeOf(paths.portal.resetPassword('x'.repeat(43))),
      async open() {
        const c = client();
        const link = await resetLink();
        const question = await c.page(link);
        const first = await db()('security_questions').orderBy('sort_order').first('text');
        // The registered customer answered the first question with ANSWER_1, the second with ANSWER_2.
        const answer = question.res.text.includes(first.text) ? ANSWER_1 : ANSWER_2;
        const answered = await c.post(link, { answer, _csrf: question.csrf });
        if (answered.status !== 303) throw new Error(`the security answer was refused: ${answered.status}`);
        return { client: c, page: link, status: 200 };
      },
    },
  ];

  // A fresh reset link for the registered customer, made as the forgot-password form makes it.
  async function resetLink(): Promise<string> {
    await requestPasswordReset(db(), customer.email, t.config);
    const row = await db()('outbox_emails').where({ customer_account_id: customer.accountId, template: 'password-reset' }).orderBy('id', 'desc').first('data');
    return pathOf(row.data.resetUrl as string);
  }

  it('answers every bad form field and malformed form body with a clear page, never a 5xx or unescaped script', async () => {
    const sources = [
      ...(await crawledSources('anonymous', async () => client(), [paths.partner.signIn, paths.portal.signIn], ['/partner/sign-in', '/portal/sign-in', '/portal/forgot-password', '/register/'])),
      ...(await crawledSources('partner', signedInPartner, [paths.partner.accounts], ['/partner/'])),
      ...(await crawledSources('customer', signedInCustomer, [paths.portal.home], ['/portal'])),
      ...journeySources(),
    ];
    // Every kind of form the product has is among them.
    const actions = sources.map((s) => s.action);
    for (const expected of [paths.partner.signIn, paths.partner.newPurchase, paths.partner.completePurchase, paths.portal.signIn, paths.portal.changePassword, paths.registration.newLink]) {
      expect(actions, `the sweep found ${expected}`).to.include(expected);
    }
    let fieldCount = 0;
    for (const source of sources) fieldCount += await sweepForm(source);
    console.log(`      bad input sweep, forms: ${tally.cases} cases over ${sources.length} forms and ${fieldCount} fields`);
    expect(tally.failures).to.deep.equal([]);
  });

  it('stores nothing from the sweep but what valid submits make, and nothing with control characters or undecodable bytes', async () => {
    const users = await db()('customer_users').where('id', '>', idsBefore.customer_users).select('id');
    expect(users, 'no customer registered by bad input').to.deep.equal([]);
    const accounts = await db()('customer_accounts').where('id', '>', idsBefore.customer_accounts).andWhere({ partner_id: partner.partnerId }).select('name', 'email');
    const made = new Set(['Sweep Review Customer', 'Jordan Customer']);
    expect(accounts.filter((a) => !made.has(a.name)), 'accounts only from the review page and the sweep’s own fixtures').to.deep.equal([]);
    await expectCleanStoredText();
  });

  async function expectCleanStoredText(): Promise<void> {
    const dirty: string[] = [];
    for (const table of STORED_TABLES) {
      const rows = await db()(table).where('id', '>', idsBefore[table]).select('*');
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          const text = typeof value === 'string' ? value : value && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : '';
          if (FORBIDDEN_IN_STORED_TEXT.test(text)) dirty.push(`${table}.${column} #${row.id}: ${JSON.stringify(text.slice(0, 80))}`);
          if (text.length > 20_000 && !['html', 'text'].includes(column)) dirty.push(`${table}.${column} #${row.id}: ${text.length} characters`);
        }
      }
    }
    expect(dirty).to.deep.equal([]);
  }

  // ---- Values that are fine to store, stored as typed and shown as text ----

  it('stores odd but valid names as typed, shows them escaped everywhere, and keeps formulas out of the CSV', async () => {
    const names = [SCRIPT, SQL, '__proto__', 'constructor', UNICODE_TRICKS.trim(), '=HYPERLINK("http://evil.example","Click")', '+SUM(1,2)', '@cmd', '-2+3'];
    const c = await signedInPartner();
    const placed: { name: string; accountId: number }[] = [];
    for (const name of names) {
      const draft = await c.submit(paths.partner.newPurchase, { ...purchaseFields({ customerName: name, administrator: 'partner' }) });
      count('accepted values');
      expect(draft.status, `"${name}" is a valid customer name`).to.equal(303);
      const review = await c.get(paths.partner.reviewPurchase);
      expect(unescapedEcho(review.text), `review page for ${name}`).to.equal(undefined);
      const done = await c.submit(paths.partner.reviewPurchase, {}, paths.partner.completePurchase);
      expect(done.status).to.equal(303);
      placed.push({ name, accountId: Number(/(\d+)$/.exec(done.location!)![1]) });
    }
    // Bytes that are not UTF-8 (a Latin-1 "é"): refused with a message, or stored without them.
    {
      const { csrf } = await c.page(paths.partner.newPurchase);
      const { customerName: _typed, ...others } = purchaseFields({ administrator: 'partner' });
      const fields = encodeForm({ ...others, _csrf: csrf });
      const body = Buffer.concat([Buffer.from(`${fields}&customerName=Caf`), Buffer.from([0xe9]), Buffer.from('+Ltd')]);
      const draft = await c.request('POST', paths.partner.newPurchase, { contentType: 'application/x-www-form-urlencoded', body });
      count('accepted values');
      if (draft.status === 303) {
        const done = await c.submit(paths.partner.reviewPurchase, {}, paths.partner.completePurchase);
        const stored = await db()('customer_accounts').where({ id: Number(/(\d+)$/.exec(done.location!)![1]) }).first('name');
        expect(stored.name, 'no replacement characters stored').not.to.match(FORBIDDEN_IN_STORED_TEXT);
      } else {
        expect(draft.status).to.equal(422);
        expect(unclearHtml(draft)).to.equal(undefined);
      }
    }
    for (const { name, accountId } of placed) {
      const stored = await db()('customer_accounts').where({ id: accountId }).first('name');
      expect(stored.name, 'stored as typed').to.equal(name);
    }
    for (const page of [paths.partner.accounts, `${paths.partner.accounts}?q=${encodeURIComponent('script')}`, paths.partner.activity, ...placed.map((p) => paths.partner.account(p.accountId))]) {
      const res = await c.get(page);
      count('accepted values');
      expect(res.status, page).to.equal(200);
      expect(unescapedEcho(res.text), page).to.equal(undefined);
    }
    const csv = await c.get(paths.partner.accountsCsv);
    expect(csv.status).to.equal(200);
    const cells = csv.text.split(/\r?\n/).flatMap((line) => line.split(','));
    const formulas = cells.map((cell) => cell.replace(/^"/, '')).filter((cell) => /^[=+@-]/.test(cell) && !/^-?\d/.test(cell));
    expect(formulas, 'no CSV cell starts a spreadsheet formula').to.deep.equal([]);
  });

  it('registers a customer whose personal details look like markup and shows them escaped to the customer and the partner', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-core', computers: 2 });
    const c = client();
    const opened = await c.get(await registrationLink(account));
    const { forms, csrf } = await c.page(opened.location!);
    const form = forms.find((f) => f.action === opened.location)!;
    const questions = form.fields.find((f) => f.name === 'securityQuestion1')!.options.filter(Boolean);
    const done = await c.post(form.action, {
      firstName: SCRIPT.slice(0, 60),
      lastName: SQL,
      phone: '+1 555 0100',
      password: CUSTOMER_PASSWORD,
      confirmPassword: CUSTOMER_PASSWORD,
      securityQuestion1: questions[0],
      securityAnswer1: '<b>Rex</b>',
      securityQuestion2: questions[1],
      securityAnswer2: SQL,
      _csrf: csrf,
    });
    count('accepted values');
    expect(done.status).to.equal(303);
    for (const page of [paths.portal.home, paths.portal.settings]) {
      const res = await c.get(page);
      expect(res.status, page).to.equal(200);
      expect(unescapedEcho(res.text), page).to.equal(undefined);
    }
    const p = await signedInPartner();
    const dashboard = await p.get(paths.partner.account(account.accountId));
    expect(unescapedEcho(dashboard.text)).to.equal(undefined);
  });

  // ---- The client API ----

  it('answers every bad API field and malformed API body with a JSON 4xx, never a 5xx', async () => {
    const account = await purchaseFor(partner, { productId: 'safe-backup-pro', planId: 'sbp-ultimate', computers: 500, administrator: 'partner' });
    const { deviceToken } = await activateInstallation(db(), { keyCode: account.keyCode, computerName: 'Sweep-API-PC', platform: 'mac' });
    const endpoints: { url: string; valid: Record<string, unknown>; headers: Record<string, string> }[] = [
      { url: paths.api.installations, valid: { keyCode: account.keyCode, computerName: 'Sweep-Laptop', platform: 'windows' } , headers: {} },
      { url: paths.api.backups, valid: { completedAt: '2026-01-31T22:15:00Z', bytes: 1024, files: 3 } , headers: { authorization: `Bearer ${deviceToken}` } },
    ];
    const api = client();
    const failures: string[] = [];

    async function send(what: string, url: string, body: string | Buffer | undefined, options: { contentType?: string; headers?: Record<string, string>; method?: string } = {}) {
      count(`POST ${url}`);
      try {
        const res = await api.request(options.method ?? 'POST', url, { contentType: options.contentType ?? 'application/json', headers: options.headers, body });
        const problems: string[] = [];
        if (res.status >= 500) problems.push(`answered ${res.status}`);
        if (res.status >= 400 && !(res.status === 431 && what.includes('header'))) {
          const unclear = unclearJson(res);
          if (unclear) problems.push(`${res.status}: ${unclear}`);
        }
        if (unescapedEcho(res.text)) problems.push('echoed script');
        if (problems.length) failures.push(`${url} ${what}: ${problems.join('; ')}`);
      } catch (error) {
        failures.push(`${url} ${what}: no answer (${String(error)})`);
      }
    }

    // JSON values of every wrong kind; raw bytes go inside the JSON string as they are.
    const jsonValues: { kind: string; json?: unknown; raw?: Buffer }[] = [
      { kind: 'missing' },
      { kind: 'empty string', json: '' },
      { kind: 'only spaces', json: '   ' },
      { kind: 'huge string (1 MB)', json: 'A'.repeat(MEGABYTE) },
      { kind: 'long string', json: 'long'.repeat(1250) },
      { kind: 'number', json: 12345 },
      { kind: 'negative number', json: -1 },
      { kind: 'fraction', json: 1.5 },
      { kind: 'beyond safe integers', raw: Buffer.from('123456789012345678901234567890') },
      { kind: 'exponent overflow', raw: Buffer.from('1e400') },
      { kind: 'array', json: ['a', 'b'] },
      { kind: 'object', json: { $gt: '' } },
      { kind: 'null', json: null },
      { kind: 'boolean', json: true },
      { kind: 'control characters', json: 'a\u0000b\u0007c\u001b[31m' },
      { kind: 'invalid UTF-8 bytes', raw: Buffer.concat([Buffer.from('"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"')]) },
      { kind: 'lone surrogate escape', raw: Buffer.from('"\\ud800x"') },
      { kind: 'HTML/script', json: SCRIPT },
      { kind: 'SQL-looking', json: SQL },
      { kind: '__proto__', json: '__proto__' },
      { kind: 'constructor', json: 'constructor' },
      { kind: 'unicode tricks', json: UNICODE_TRICKS },
    ];

    for (const endpoint of endpoints) {
      for (const field of Object.keys(endpoint.valid)) {
        for (const value of jsonValues) {
          const others = Object.fromEntries(Object.entries(endpoint.valid).filter(([name]) => name !== field));
          let body: Buffer;
          if (value.kind === 'missing') body = Buffer.from(JSON.stringify(others));
          else {
            const encoded = value.raw ?? Buffer.from(JSON.stringify(value.json));
            const head = JSON.stringify(others).slice(0, -1);
            body = Buffer.concat([Buffer.from(`${head}${head.length > 1 ? ',' : ''}${JSON.stringify(field)}:`), encoded, Buffer.from('}')]);
          }
          await send(`${field} = ${value.kind}`, endpoint.url, body, { headers: endpoint.headers });
        }
      }
      const valid = JSON.stringify(endpoint.valid);
      const bodies: { kind: string; body: string | Buffer; contentType?: string; headers?: Record<string, string> }[] = [
        { kind: 'malformed JSON', body: '{"keyCode": ' },
        { kind: 'empty body', body: '' },
        { kind: 'JSON array', body: '[]' },
        { kind: 'JSON string', body: '"text"' },
        { kind: 'JSON null', body: 'null' },
        { kind: 'deeply nested JSON', body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
        { kind: 'oversized body (2 MB)', body: JSON.stringify({ ...endpoint.valid, pad: 'x'.repeat(2 * MEGABYTE) }) },
        { kind: '__proto__ key', body: `{"__proto__": {"polluted": "yes"}, ${valid.slice(1)}` },
        { kind: 'constructor.prototype key', body: `{"constructor": {"prototype": {"polluted": "yes"}}, ${valid.slice(1)}` },
        { kind: 'duplicate keys', body: `${valid.slice(0, -1)}, ${valid.slice(1)}` },
        { kind: 'form body', body: encodeForm(Object.fromEntries(Object.entries(endpoint.valid).map(([k, v]) => [k, String(v)]))), contentType: 'application/x-www-form-urlencoded' },
        { kind: 'text/plain', body: valid, contentType: 'text/plain' },
        { kind: 'unsupported charset', body: valid, contentType: 'application/json; charset=latin1' },
        { kind: 'gzip that is not gzip', body: valid, headers: { 'content-encoding': 'gzip' } },
        { kind: 'NUL bytes', body: Buffer.concat([Buffer.from(valid), Buffer.from([0, 0])]) },
      ];
      for (const b of bodies) await send(`body: ${b.kind}`, endpoint.url, b.body, { contentType: b.contentType, headers: { ...endpoint.headers, ...(b.headers ?? {}) } });
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) await send(`method ${method}`, endpoint.url, method === 'GET' ? undefined : valid, { method, headers: endpoint.headers });
    }
    for (const authorization of ['', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `Bearer ${SCRIPT.replace(/[^\x20-\x7e]/g, '')}`, `Bearer ${'a'.repeat(10_000)}`, 'Bearer two tokens', `Bearer ${deviceToken}, Bearer ${deviceToken}`, `bearer ${deviceToken.toUpperCase()}`, `Bearer ${'a'.repeat(100_000)} header`]) {
      await send(`authorization header ${JSON.stringify(authorization.slice(0, 30))}`, paths.api.backups, JSON.stringify(endpoints[1].valid), { headers: { authorization } });
    }
    console.log(`      bad input sweep, API: ${tally.byGroup[`POST ${paths.api.installations}`] + tally.byGroup[`POST ${paths.api.backups}`]} cases`);
    expect(failures).to.deep.equal([]);

    // What the API accepted (odd computer names) shows as text on the partner's dashboard.
    const dashboard = await (await signedInPartner()).get(paths.partner.account(account.accountId));
    expect(dashboard.status).to.equal(200);
    expect(unescapedEcho(dashboard.text)).to.equal(undefined);
    const names = await db()('installations').where({ subscription_id: account.subscriptionId }).pluck('computer_name');
    expect(names.filter((n: string) => FORBIDDEN_IN_STORED_TEXT.test(n) || n.length > 100), 'computer names stored clean').to.deep.equal([]);
  });

  it('leaves Object.prototype unpolluted', () => {
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).to.equal(false);
  });

  it('stored no text with control characters or undecodable bytes, from the forms or the API', () => expectCleanStoredText());

  it('tried over a thousand cases, and says how many', () => {
    console.log(`      bad input sweep: ${tally.cases} cases tried in all (${Object.entries(tally.byGroup).map(([g, n]) => `${g}: ${n}`).join(', ')})`);
    expect(tally.cases).to.be.greaterThan(1000);
  });
});
