// Demo data for development: loaded by `npm start` on a fresh embedded database, never in
// production. It goes through the same model functions the product uses; only the dates are
// moved into the past afterwards, so the demo has history to show.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../lib/boot/config.ts';
import type { SessionUser } from '../lib/auth/passport.ts';
import { hashSecret } from '../lib/auth/passwords.ts';
import { createPartnerWithOwner } from '../models/partners.ts';
import { inviteUser } from '../models/partnerInvitations.ts';
import { saveCompanyDetails } from '../models/companyProfile.ts';
import { placePurchase, subscriptionTerm, trialTerm, type Administrator } from '../models/purchases.ts';
import { activateInstallation, recordBackup } from '../models/installations.ts';
import { completeRegistration } from '../models/registration.ts';
import { renewSubscription } from '../models/renewals.ts';
import { setAutoRenew } from '../models/autoRenewals.ts';
import { clockAt } from '../models/accounts/statuses.ts';
import { createDirectAccount } from '../models/directAccounts.ts';
import { chooseFirstSecurityQuestions, findCustomerSessionUser } from '../models/customerUsers.ts';

export const DEMO_PARTNER_SIGN_IN = { email: 'demo@partner.example', password: 'demo partner portal 2026' };
// The demo company's team beside its owner: one user of each other role, all signing in with
// the demo partner's password, and one invitation not yet accepted.
export const DEMO_TEAM = [
  { role: 'admin', name: 'Jamie Admin', email: 'admin@partner.example' },
  { role: 'staff', name: 'Riley User', email: 'user@partner.example' },
  { role: 'read_only', name: 'Casey Viewer', email: 'readonly@partner.example' },
] as const;
export const DEMO_TEAM_INVITATION = { email: 'new.colleague@partner.example', role: 'staff' } as const;
// Every registered demo customer signs in to the customer Portal with this password.
export const DEMO_CUSTOMER_PASSWORD = 'demo customer portal 2026';

export async function databaseIsEmpty(db: Knex): Promise<boolean> {
  return !(await db('partners').first('id'));
}

// What a demo account should look like: registered means customer-managed and active.
type DemoState = 'active' | 'registered' | 'pending' | 'link_expired' | 'expired';

const COMBINATIONS: { administrator: Administrator; state: DemoState }[] = [
  { administrator: 'partner', state: 'active' },
  { administrator: 'partner', state: 'expired' },
  { administrator: 'customer', state: 'registered' },
  { administrator: 'customer', state: 'pending' },
  { administrator: 'customer', state: 'link_expired' },
  { administrator: 'customer', state: 'expired' },
];

const CUSTOMERS = [
  'Harbor Dental', 'Avery Chen', 'Cedar Law Group', 'Morgan Reyes', 'Delta Logistics', 'Priya Natarajan',
  'Evergreen Garden Centre', 'Sam Okafor', 'Fjord Design Studio', 'Lena Fischer', 'Granite Motors', 'Tomás Herrera',
  'Juniper Labs', 'Hannah Kowalski', 'Kestrel Travel', 'Noah Williams', 'Lumen Print Shop', 'Aisha Bello',
  'Maple Realty', 'Oliver Grant', 'Northwind Bakery', 'Yuki Tanaka', 'Orchid Cafe', 'Ravi Patel',
  'Pioneer Farms', 'Chloe Martin', 'Quartz Health Clinic', 'Diego Alvarez', 'Riverside Books', 'Emma Johansson',
  'Summit Optics', 'Liam O’Connor', 'Tidewater Works', 'Sofia Rossi', 'Blue Harbor Media', 'Grace Kim',
];

const COMPUTER_NAMES = ['Front Desk PC', 'Office Mac', 'Reception Laptop', 'Studio iMac', 'Accounts PC', 'Workshop Laptop'];

const DAY = 86_400_000;

function monthsBefore(date: Date, months: number): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, date.getUTCDate()));
}

function customerEmail(name: string): string {
  const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `office@${slug}.example`;
}

// The sign-in `npm start` prints for the customer Portal: the 9th customer below is registered
// and, in the second round of combinations, Safe Backup Pro, so it lands on the Backup Dashboard.
export const DEMO_CUSTOMER_SIGN_IN = { email: customerEmail('Fjord Design Studio'), password: DEMO_CUSTOMER_PASSWORD };

// The team and the company profile customers see (support contact) of the demo partner.
async function seedDemoTeam(db: Knex, config: Config, owner: SessionUser): Promise<void> {
  const passwordHash = await hashSecret(DEMO_PARTNER_SIGN_IN.password);
  await db('partner_users').insert(DEMO_TEAM.map((member) => ({ partner_id: owner.partnerId, name: member.name, email: member.email, role: member.role, password_hash: passwordHash })));
  await inviteUser(db, owner, DEMO_TEAM_INVITATION, { config });
  await saveCompanyDetails(db, owner, {
    name: owner.partnerName!,
    contactName: owner.name,
    contactEmail: owner.email,
    address: '12 Harbour Street\nPortland, ME 04101',
    phone: '+1 207 555 0142',
    supportEmail: 'support@northwind-it.example',
  });
}

export async function seedDemoData(db: Knex, config: Config): Promise<void> {
  const { partnerId, userId } = await createPartnerWithOwner(db, {
    company: 'Northwind IT Services',
    name: 'Dana Demo',
    email: DEMO_PARTNER_SIGN_IN.email,
    passwordHash: await hashSecret(DEMO_PARTNER_SIGN_IN.password),
  });
  const buyer: SessionUser = {
    key: `partner:${userId}`,
    kind: 'partner',
    id: userId,
    name: 'Dana Demo',
    email: DEMO_PARTNER_SIGN_IN.email,
    partnerId,
    partnerName: 'Northwind IT Services',
    role: 'owner',
  };
  await seedDemoTeam(db, config, buyer);
  const [question1, question2] = await db('security_questions').orderBy('sort_order').limit(2).pluck('id');
  const now = new Date();

  for (const [index, customerName] of CUSTOMERS.entries()) {
    const { administrator, state } = COMBINATIONS[index % COMBINATIONS.length];
    const pro = Math.floor(index / COMBINATIONS.length) % 2 === 1;
    const termYears = 1 + (index % 3);
    const { accountId } = await placePurchase(
      db,
      buyer,
      {
        purchaseKey: crypto.randomUUID(),
        customerName,
        customerEmail: customerEmail(customerName),
        productId: pro ? 'safe-backup-pro' : 'safe',
        planId: pro ? ['sbp-core', 'sbp-power', 'sbp-ultimate'][index % 3] : ['safe-basic', 'safe-plus', 'safe-prime'][index % 3],
        computers: pro ? 3 + (index % 4) * 5 : 1,
        termYears,
        administrator,
      },
      { address: '127.0.0.1', config },
    );

    // Bought some months ago; an expired one ended a few weeks ago.
    const boughtOn = state === 'expired' ? monthsBefore(now, termYears * 12 + 1 + (index % 5)) : monthsBefore(now, 1 + (index % 10));
    const subscription = await db('subscriptions').where({ customer_account_id: accountId }).first('id', 'key_code');
    const term = subscriptionTerm(termYears, boughtOn);
    await db('subscriptions').where({ id: subscription.id }).update({ starts_on: term.startsOn, ends_on: term.endsOn });
    await db('customer_accounts').where({ id: accountId }).update({ created_at: boughtOn });
    await db('audit_events').where({ customer_account_id: accountId, action: 'purchase.completed' }).update({ created_at: boughtOn });
    await db('orders')
      .whereIn('id', db('order_lines').where({ customer_account_id: accountId }).select('order_id'))
      .update({ placed_at: new Date(boughtOn.getTime() + 10 * 3_600_000) });
    await db('order_lines').where({ customer_account_id: accountId }).update({ starts_on: term.startsOn, ends_on: term.endsOn });

    if (state === 'pending') {
      await db('registration_invitations').where({ customer_account_id: accountId }).update({ created_at: new Date(now.getTime() - 2 * DAY) });
    }
    if (state === 'link_expired') {
      await db('registration_invitations')
        .where({ customer_account_id: accountId })
        .update({ created_at: new Date(now.getTime() - 20 * DAY), expires_at: new Date(now.getTime() - 6 * DAY) });
    }
    if (state === 'registered') {
      const invitation = await db('registration_invitations').where({ customer_account_id: accountId }).orderBy('id', 'desc').first('id');
      const [firstName, ...rest] = customerName.split(' ');
      const registered = await completeRegistration(
        db,
        invitation.id,
        {
          password: DEMO_CUSTOMER_PASSWORD,
          question1Id: question1,
          answer1: 'Biscuit',
          question2Id: question2,
          answer2: 'Lisbon',
          firstName: pro ? firstName : undefined,
          lastName: pro ? rest.join(' ') || undefined : undefined,
        },
        { address: '127.0.0.1' },
      );
      if (registered.outcome !== 'completed') throw new Error(`Demo registration of ${customerName} did not complete: ${registered.outcome}`);
      await db('customer_accounts').where({ id: accountId }).update({ registered_at: new Date(boughtOn.getTime() + 3 * DAY) });
    }

    // A history of orders: some active accounts were renewed a few months ago, and some are
    // set to renew automatically.
    if ((state === 'active' || state === 'registered') && index % 4 === 0) {
      const renewed = await renewSubscription(
        db,
        buyer,
        { accountId, years: 1, orderKey: `renewal:${crypto.randomUUID()}` },
        { address: '127.0.0.1', config, clock: clockAt(now) },
      );
      await db('orders').where({ id: renewed.orderId }).update({ placed_at: new Date(boughtOn.getTime() + 20 * DAY) });
      await db('audit_events').where({ customer_account_id: accountId, action: 'subscription.renewed' }).update({ created_at: new Date(boughtOn.getTime() + 20 * DAY) });
    }
    if ((state === 'active' || state === 'registered') && index % 3 === 1) {
      await setAutoRenew(db, buyer, accountId, true, { address: '127.0.0.1', clock: clockAt(now) });
    }

    // Active accounts have computers with a backup history: one backed up hours ago, one
    // that stopped days ago, and (on bigger subscriptions) one that never backed up.
    if (state === 'active' || state === 'registered') {
      const computers = pro ? 3 : 1;
      for (let c = 0; c < computers; c += 1) {
        const name = COMPUTER_NAMES[(index + c) % COMPUTER_NAMES.length];
        const activation = await activateInstallation(
          db,
          { keyCode: subscription.key_code, computerName: name, platform: /Mac|iMac/.test(name) ? 'mac' : 'windows' },
          { address: '127.0.0.1' },
        );
        await db('installations').where({ id: activation.installationId }).update({ activated_at: new Date(boughtOn.getTime() + DAY) });
        if (c === 2) continue;
        // A stopped computer is Overdue (5 days) or, on every third account, Not backing up (9 days).
        const stoppedDaysAgo = c === 0 ? 0 : index % 3 === 0 ? 9 : 5;
        // A month of history for the charts, with the odd day missed.
        for (let day = 29; day >= stoppedDaysAgo; day -= 1) {
          if (day > stoppedDaysAgo && (day + index + c) % 9 === 4) continue;
          const completedAt = new Date(now.getTime() - day * DAY - (2 + (index % 5)) * 3_600_000);
          if (completedAt.getTime() <= boughtOn.getTime() + DAY) continue; // not before it was activated
          await recordBackup(db, activation.deviceToken, { completedAt, bytes: 1_500_000_000 + day * 7_300_000, files: 48_000 + day * 35 });
        }
      }
    }
  }
  await seedTrials(db, config, buyer, now);
  await seedDirectAccounts(db, [question1, question2]);
}

// Two free trials (Start a trial): one the partner administers, ending within 7 days (the
// Overview's "Trials ending within 7 days"), and one the customer manages, started this week.
async function seedTrials(db: Knex, config: Config, buyer: SessionUser, now: Date): Promise<void> {
  const trials = [
    { customerName: 'Bluebird Yoga Studio', productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3, administrator: 'partner' as const, startedDaysAgo: Math.max(0, config.trialDays - 5) },
    { customerName: 'Quinn Harper', productId: 'safe', planId: 'safe-plus', computers: 1, administrator: 'customer' as const, startedDaysAgo: 3 },
  ];
  for (const trial of trials) {
    const { startedDaysAgo, ...input } = trial;
    const { accountId } = await placePurchase(
      db,
      buyer,
      { purchaseKey: crypto.randomUUID(), ...input, customerEmail: customerEmail(input.customerName), termYears: 0, trialDays: config.trialDays },
      { address: '127.0.0.1', config },
    );
    const startedOn = new Date(now.getTime() - startedDaysAgo * DAY);
    const term = trialTerm(config.trialDays, startedOn);
    await db('subscriptions').where({ customer_account_id: accountId }).update({ starts_on: term.startsOn, ends_on: term.endsOn });
    await db('customer_accounts').where({ id: accountId }).update({ created_at: startedOn });
    await db('trials').where({ customer_account_id: accountId }).update({ started_at: startedOn });
    await db('audit_events').where({ customer_account_id: accountId, action: 'trial.started' }).update({ created_at: startedOn });
  }
}

// Direct customers of the vendor (no partner, issue 16): in no partner's Portal, ready for
// Add an existing customer. They sign in to the customer Portal with the demo password.
export const DEMO_DIRECT_CUSTOMERS = [
  { name: 'Harbor Light Bakery', email: 'owner@harborlight.example', productId: 'safe-backup-pro', planId: 'sbp-power', computers: 4 },
  { name: 'Jamie Solo', email: 'jamie@solo.example', productId: 'safe', planId: 'safe-plus', computers: 1 },
];

async function seedDirectAccounts(db: Knex, [question1, question2]: number[]): Promise<void> {
  const passwordHash = await hashSecret(DEMO_CUSTOMER_PASSWORD);
  for (const [index, customer] of DEMO_DIRECT_CUSTOMERS.entries()) {
    const created = await createDirectAccount(db, { ...customer, passwordHash });
    const user = await findCustomerSessionUser(db, created.customerUserId);
    await chooseFirstSecurityQuestions(db, user!, { question1Id: question1, answer1: 'Biscuit', question2Id: question2, answer2: 'Lisbon' });
    const activation = await activateInstallation(db, { keyCode: created.keyCode, computerName: `${customer.name.split(' ')[0].toUpperCase()}-PC`, platform: index === 0 ? 'windows' : 'mac' });
    await recordBackup(db, activation.deviceToken, { completedAt: new Date(Date.now() - 3 * 3_600_000), bytes: 2_400_000_000, files: 61_000 });
  }
}
