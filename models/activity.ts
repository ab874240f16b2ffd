import type { Knex } from 'knex';
import * as format from '../lib/views/format.ts';

// The partner's audit log, newest first: who did what to which account, from where.

export interface ActivityEvent {
  id: number;
  at: Date;
  actor: string;
  action: string;
  description: string;
  accountId: number | null;
  accountName: string | null;
  address: string | null;
}

export interface ActivityPage {
  events: ActivityEvent[];
  // Ids to page from: `before` gives older events, `after` newer ones; undefined where there is none.
  older: number | undefined;
  newer: number | undefined;
}

export interface ActivityRequest {
  accountId?: number;
  before?: number;
  after?: number;
  size: number;
}

const ACTOR_KINDS: Record<string, string> = {
  partner_user: 'partner',
  customer_user: 'customer',
  client: 'backup client',
  system: 'system',
};

type Details = Record<string, unknown>;

const plural = (n: unknown, word: string) => `${String(n)} ${n === 1 ? word : `${word}s`}`;

const DESCRIPTIONS: Record<string, (d: Details) => string> = {
  'purchase.completed': (d) =>
    `Purchase completed: ${d.product} ${d.plan}, ${plural(d.computers, 'computer')}, ${plural(d.termYears, 'year')}, ` +
    (d.administrator === 'partner' ? 'administered by the partner' : 'managed by the customer'),
  'bulk_purchase.uploaded': (d) => `Uploaded ${d.fileName} for a bulk purchase: ${plural(d.rows, 'row')}, ${d.ready} ready, ${d.problems} with problems (nothing placed yet)`,
  'bulk_purchase.placed': (d) => `Bulk purchase by CSV placed from ${d.fileName}: ${plural(d.placed, 'purchase')}, ${d.skipped} ${d.skipped === 1 ? 'row' : 'rows'} skipped (order ${d.orderNumber})`,
  'trial.started': (d) =>
    `Trial started: ${d.product} ${d.plan}, ${plural(d.computers, 'computer')}, ${plural(d.days, 'day')} until ${format.date(String(d.endsOn))}, ` +
    (d.administrator === 'partner' ? 'administered by the partner' : 'managed by the customer'),
  'trial.upgraded': (d) =>
    `Trial upgraded to a paid subscription: ${d.product} ${d.plan}, ${plural(d.computers, 'computer')}, ${plural(d.termYears, 'year')}, until ${format.date(String(d.endsOn))} (order ${d.orderNumber})`,
  'registration.resent': (d) => `Registration email resent to ${d.email}`,
  'administration.handed_over': (d) => `Administration handed over to the customer at ${d.email}`,
  'registration.completed': () => 'Registration completed by the customer',
  'registration.link_renewed': () => 'New registration link sent at the customer’s request',
  'installation.activated': (d) => `Computer activated: ${d.computerName} (${d.platform === 'mac' ? 'Mac' : 'Windows'}), serial number ${d.serialNumber}`,
  'installation.reinstalled': (d) => `Computer reinstalled: ${d.computerName} (${d.platform === 'mac' ? 'Mac' : 'Windows'}), serial number ${d.serialNumber}`,
  'partner.created': () => 'Partner company onboarded',
  'partner.signed_in': (d) => (d.email ? `Signed in to the Partner Portal as ${d.email}` : 'Signed in to the Partner Portal'),
  'partner.sign_in_failed': (d) =>
    `Failed sign-in as ${d.email}: ${d.outcome === 'paused' ? 'paused after too many failed attempts' : 'wrong password'}`,
  'partner.password_changed': () => 'Changed their password (signed out everywhere else)',
  'partner.password_reset_requested': (d) => `Password reset link emailed to ${d.email}`,
  'partner.password_reset': () => 'Reset their password by emailed link (signed out everywhere)',
  'customer.signed_in': () => 'Customer signed in to their Portal',
  'customer.password_changed': () => 'Customer changed their password',
  'customer.password_reset': () => 'Customer reset their password',
  'customer.security_questions_changed': () => 'Customer changed their security questions',
  'customer.security_questions_chosen': () => 'Customer chose their security questions',
  'account.released': (d) => `Released account ${d.accountName}: it left the Partner Portal, the customer at ${d.email} keeps it`,
  'customer_request.sent': (d) => `Add an existing customer: asked the customer at ${d.email}, if they have an account`,
  'customer_request.accepted': (d) => `The customer at ${d.email} accepted: the account joined the Partner Portal, managed by the customer`,
  'customer_request.declined': (d) => `The customer at ${d.email} declined the request to manage their account`,
  'administration_request.sent': (d) => `Asked the customer at ${d.email} to make the partner the account administrator`,
  'administration_request.accepted': (d) => `The customer at ${d.email} accepted: the partner is now the account administrator`,
  'administration_request.declined': (d) => `The customer at ${d.email} declined the request to make the partner the account administrator`,
  'direct_account.created': (d) => `Direct customer account created by the operator: ${d.product} ${d.plan}, ${plural(d.computers, 'computer')}`,
  'partner.backup_thresholds_changed': (d) => {
    const after = d.after as { overdueDays?: number; notBackingUpDays?: number } | undefined;
    return `Backup monitoring changed: Overdue after ${plural(after?.overdueDays, 'day')}, Not backing up after ${plural(after?.notBackingUpDays, 'day')}`;
  },
  'partner.email_preferences_changed': (d) =>
    `Saved email choices: order confirmations ${d.orderConfirmations ? 'on' : 'off'}, expiry reminders ${d.expiryReminders ? 'on' : 'off'}, not backing up alerts ${d.alerts ? 'on' : 'off'}`,
  'partner.weekly_digest_changed': (d) => (d.weeklyDigest ? 'Turned the weekly digest email on' : 'Turned the weekly digest email off'),
  'subscription.renewed': (d) => `Renewed for ${plural(d.years, 'year')}, until ${format.date(String(d.endsOn))} (order ${d.orderNumber})`,
  'subscription.auto_renewed': (d) => `Renewed automatically for ${plural(d.years, 'year')}, until ${format.date(String(d.endsOn))} (order ${d.orderNumber})`,
  'subscription.changed': (d) =>
    [
      d.plan ? `Upgraded to the ${d.plan} plan` : '',
      d.computers ? `computers raised to ${d.computers}` : '',
      d.nextTermPlan ? `the ${d.nextTermPlan} plan kept for the next term` : '',
    ]
      .filter(Boolean)
      .join(', ')
      .replace(/^./, (c) => c.toUpperCase()) + (d.orderNumber ? ` (order ${d.orderNumber})` : ''),
  'auto_renew.enabled': () => 'Enabled auto-renew',
  'auto_renew.disabled': () => 'Disabled auto-renew',
  'auto_renew.refused': (d) => `Auto-renew could not renew: the ${d.plan} plan is no longer sold (the term ends on ${format.date(String(d.endsOn))})`,
};

// An action nobody described yet still reads as words: "backup.reported" -> "Backup reported".
function describe(action: string, details: Details): string {
  const known = DESCRIPTIONS[action];
  if (known) return known(details);
  const words = action.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export async function listActivity(db: Knex, partnerId: number, request: ActivityRequest): Promise<ActivityPage> {
  const backwards = request.after !== undefined && request.before === undefined;
  const query = db('audit_events as e')
    .leftJoin('customer_accounts as a', function () {
      this.on('a.id', 'e.customer_account_id').andOn('a.partner_id', 'e.partner_id');
    })
    .where('e.partner_id', partnerId)
    .select('e.id', 'e.created_at', 'e.actor_type', 'e.actor_name', 'e.action', 'e.address', 'e.details', 'e.customer_account_id', 'a.name as account_name')
    .orderBy('e.id', backwards ? 'asc' : 'desc')
    .limit(request.size + 1);
  if (request.accountId !== undefined) query.where('e.customer_account_id', request.accountId);
  if (request.before !== undefined) query.where('e.id', '<', request.before);
  else if (backwards) query.where('e.id', '>', request.after!);

  const rows = await query;
  const more = rows.length > request.size;
  const page = rows.slice(0, request.size);
  if (backwards) page.reverse();
  const events: ActivityEvent[] = page.map((r) => ({
    id: r.id,
    at: r.created_at,
    actor: `${r.actor_name} (${ACTOR_KINDS[r.actor_type] ?? r.actor_type})`,
    action: r.action,
    description: describe(r.action, r.details ?? {}),
    accountId: r.customer_account_id,
    accountName: r.account_name,
    address: r.address,
  }));
  const first = events[0]?.id;
  const last = events.at(-1)?.id;
  return {
    events,
    older: backwards ? last : more ? last : undefined,
    newer: backwards ? (more ? first : undefined) : request.before !== undefined ? first : undefined,
  };
}
