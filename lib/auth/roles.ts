// Partner users' roles and what each may do, enforced for every /partner request by one
// guard that reads the address: a route added later under a known prefix is covered
// without anyone remembering to guard it, and a change (any method but GET or HEAD) nobody
// listed needs an administrator.
import type { RequestHandler } from 'express';
import type { PartnerRole } from './passport.ts';
import { ForbiddenError } from '../http/errors.ts';

export const PARTNER_ROLES = ['owner', 'admin', 'staff', 'read_only'] as const satisfies readonly PartnerRole[];

// The words the product shows for each role (the vendor calls staff "User").
export const ROLE_LABELS: Record<PartnerRole, string> = {
  owner: 'Owner',
  admin: 'Administrator',
  staff: 'User',
  read_only: 'Read-only',
};

// What a role allows, in rising order: each role has its own and every lower one's.
//  view:   see pages and download lists (every role)
//  act:    work on customer accounts: resend registration emails, hand over (staff and up)
//  buy:    purchases, orders, renewals, auto-renew, upgrades, trials (administrators)
//  team:   the Team tab and the company profile (administrators)
//  own:    transfer ownership, require two-factor for everyone (the owner)
export type Ability = 'view' | 'act' | 'buy' | 'team' | 'own';

const RANK: Record<PartnerRole, number> = { read_only: 0, staff: 1, admin: 2, owner: 3 };
const NEEDED: Record<Ability, number> = { view: 0, act: 1, buy: 2, team: 2, own: 3 };

export function can(role: PartnerRole | undefined, ability: Ability): boolean {
  return role !== undefined && RANK[role] >= NEEDED[ability];
}

interface Rule {
  // Which methods: 'read' is GET and HEAD, 'change' anything else, 'any' both.
  methods: 'read' | 'change' | 'any';
  pattern: RegExp;
  ability: Ability;
}

const ACCOUNT = String.raw`/partner/accounts/[^/]+`;

// First match wins, case-insensitive as Express's routing is. Paths have no query string.
export const PARTNER_ROUTE_RULES: readonly Rule[] = [
  // The user's own settings: their password and their two-factor, whatever their role.
  { methods: 'any', pattern: /^\/partner\/settings(\/|$)/i, ability: 'view' },
  // Purchases and orders, and what an order is made of on an account.
  { methods: 'any', pattern: /^\/partner\/purchases(\/|$)/i, ability: 'buy' },
  { methods: 'any', pattern: /^\/partner\/orders(\/|\.csv$|$)/i, ability: 'buy' },
  // Add an existing customer: the partner takes on (and bills) another account.
  { methods: 'any', pattern: /^\/partner\/add-existing-customer\/?$/i, ability: 'buy' },
  // An account: its Dashboard and Install are for everyone; the registration email and the
  // hand-over for staff; anything else on an account (Renew, auto-renew, Upgrade, Add a new
  // computer, trials...) is an order, for administrators.
  { methods: 'read', pattern: new RegExp(`^${ACCOUNT}(/install)?/?$`, 'i'), ability: 'view' },
  { methods: 'change', pattern: new RegExp(`^${ACCOUNT}/resend-registration/?$`, 'i'), ability: 'act' },
  { methods: 'any', pattern: new RegExp(`^${ACCOUNT}/hand-over/?$`, 'i'), ability: 'act' },
  // Asking the customer to make the partner administrator: the hand-over's other way.
  { methods: 'change', pattern: new RegExp(`^${ACCOUNT}/administration-request/?$`, 'i'), ability: 'act' },
  // Release account ends the partner's billing for it: owner and administrators.
  { methods: 'any', pattern: new RegExp(`^${ACCOUNT}/release/?$`, 'i'), ability: 'buy' },
  { methods: 'any', pattern: new RegExp(`^${ACCOUNT}/`, 'i'), ability: 'buy' },
  // The team: ownership and the two-factor rule are the owner's.
  { methods: 'any', pattern: /^\/partner\/team\/(transfer-ownership|two-factor-requirement)\/?$/i, ability: 'own' },
  { methods: 'any', pattern: /^\/partner\/team(\/|$)/i, ability: 'team' },
  { methods: 'any', pattern: /^\/partner\/company(\/|$)/i, ability: 'team' },
  // Anything else: pages and downloads for everyone, changes for administrators.
  { methods: 'read', pattern: /^\/partner(\/|$)/i, ability: 'view' },
  { methods: 'change', pattern: /^\/partner(\/|$)/i, ability: 'buy' },
];

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

export function abilityFor(method: string, path: string): Ability | undefined {
  const read = isRead(method);
  const rule = PARTNER_ROUTE_RULES.find((r) => (r.methods === 'any' || (r.methods === 'read') === read) && r.pattern.test(path));
  return rule?.ability;
}

// After requirePartner: a signed-in partner user without the ability gets the 403 page.
// (Mounted under /partner, req.path lost the prefix; baseUrl holds it.)
export const requireRoleForRoute: RequestHandler = (req, _res, next) => {
  const ability = abilityFor(req.method, req.baseUrl + req.path);
  next(ability === undefined || can(req.user?.role, ability) ? undefined : new ForbiddenError());
};

// One route needing one ability, where the address alone does not say it.
export function requireAbility(ability: Ability): RequestHandler {
  return (req, _res, next) => next(can(req.user?.role, ability) ? undefined : new ForbiddenError());
}
