import type { Knex } from 'knex';
import type { SessionUser, SignInCandidate } from '../lib/auth/passport.ts';
import { hashSecret, verifySecret } from '../lib/auth/passwords.ts';
import { recordAudit } from './audit.ts';

export interface SecurityQuestion {
  id: number;
  text: string;
}

// The customer's two security questions and answers, as a form gives them.
export interface SecurityAnswers {
  question1Id: number;
  answer1: string;
  question2Id: number;
  answer2: string;
}

export interface CustomerUser {
  id: number;
  customerAccountId: number;
  partnerId: number | null;
  email: string;
  firstName: string | null;
  lastName: string | null;
  accountName: string;
  // null until the customer chooses them (a direct customer made by the operator).
  question1Id: number | null;
  question2Id: number | null;
  passwordChangedAt: Date;
}

interface CustomerUserRow {
  id: number;
  email: string;
  first_name: string | null;
  last_name: string | null;
  account_id: number;
  partner_id: number | null;
  account_name: string;
  product_id: string;
}

const USER_COLUMNS = ['u.id', 'u.email', 'u.first_name', 'u.last_name', 'a.id as account_id', 'a.partner_id', 'a.name as account_name', 's.product_id'];

function customerUsers(db: Knex | Knex.Transaction) {
  return db('customer_users as u')
    .join('customer_accounts as a', 'a.id', 'u.customer_account_id')
    .join('subscriptions as s', 's.customer_account_id', 'a.id');
}

// A Safe customer gives no name: the account's name (as the partner typed it) stands in.
export function customerSessionUser(row: CustomerUserRow): SessionUser {
  const name = [row.first_name, row.last_name].filter(Boolean).join(' ') || row.account_name;
  return {
    key: `customer:${row.id}`,
    kind: 'customer',
    id: row.id,
    name,
    email: row.email,
    // A direct customer has no partner: 0 matches no partner's rows. An account can change
    // partner while signed in (released, added), so writes read it again (accountPartnerId).
    partnerId: row.partner_id ?? 0,
    customerAccountId: row.account_id,
    productId: row.product_id,
  };
}

// The partner an account belongs to now (null: a direct account), for its Activity entries.
export async function accountPartnerId(db: Knex | Knex.Transaction, accountId: number | undefined): Promise<number | null> {
  if (accountId === undefined) return null;
  const row = await db('customer_accounts').where({ id: accountId }).first('partner_id');
  return row?.partner_id ?? null;
}

export async function findCustomerUserForSignIn(db: Knex, email: string): Promise<SignInCandidate | undefined> {
  const row = await customerUsers(db)
    .whereRaw('lower(u.email) = lower(?)', [email])
    .first([...USER_COLUMNS, 'u.password_hash']);
  if (!row) return undefined;
  return { passwordHash: row.password_hash, user: customerSessionUser(row) };
}

export async function findCustomerSessionUser(db: Knex | Knex.Transaction, userId: number): Promise<SessionUser | undefined> {
  const row = await customerUsers(db).where('u.id', userId).first(USER_COLUMNS);
  return row ? customerSessionUser(row) : undefined;
}

export async function findCustomerUser(db: Knex, userId: number): Promise<CustomerUser | undefined> {
  const row = await customerUsers(db)
    .where('u.id', userId)
    .first([...USER_COLUMNS, 'u.security_question_1_id', 'u.security_question_2_id', 'u.password_changed_at']);
  if (!row) return undefined;
  return {
    id: row.id,
    customerAccountId: row.account_id,
    partnerId: row.partner_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    accountName: row.account_name,
    question1Id: row.security_question_1_id,
    question2Id: row.security_question_2_id,
    passwordChangedAt: row.password_changed_at,
  };
}

export async function customerEmailInUse(db: Knex | Knex.Transaction, email: string): Promise<boolean> {
  return Boolean(await db('customer_users').whereRaw('lower(email) = lower(?)', [email]).first('id'));
}

export function listSecurityQuestions(db: Knex): Promise<SecurityQuestion[]> {
  return db('security_questions').orderBy('sort_order').select('id', 'text');
}

// "  Rex the  DOG " and "rex the dog" are the same answer: case and spacing never count.
export function normaliseSecurityAnswer(answer: string): string {
  return answer.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

export function hashSecurityAnswer(answer: string): Promise<string> {
  return hashSecret(normaliseSecurityAnswer(answer));
}

export function verifySecurityAnswer(answer: string, hash: string): Promise<boolean> {
  return verifySecret(normaliseSecurityAnswer(answer), hash);
}

// The columns for two questions and their hashed answers; hashing happens before any transaction.
export async function securityAnswerColumns(answers: SecurityAnswers): Promise<Record<string, number | string>> {
  const [answer1Hash, answer2Hash] = await Promise.all([hashSecurityAnswer(answers.answer1), hashSecurityAnswer(answers.answer2)]);
  return {
    security_question_1_id: answers.question1Id,
    security_answer_1_hash: answer1Hash,
    security_question_2_id: answers.question2Id,
    security_answer_2_hash: answer2Hash,
  };
}

export async function verifyCustomerPassword(db: Knex, userId: number, password: string): Promise<boolean> {
  const row = await db('customer_users').where({ id: userId }).first('password_hash');
  return row ? verifySecret(password, row.password_hash) : false;
}

export interface PasswordChangeContext {
  address?: string;
  action: 'customer.password_changed' | 'customer.password_reset';
}

// Writes an already hashed password in the caller's transaction. A new password ends any
// reset link still waiting: it was asked for under the old one.
export async function writeCustomerPassword(trx: Knex.Transaction, user: SessionUser, passwordHash: string, context: PasswordChangeContext): Promise<void> {
  await trx('customer_users').where({ id: user.id }).update({ password_hash: passwordHash, password_changed_at: trx.fn.now() });
  await trx('password_resets').where({ customer_user_id: user.id }).whereNull('used_at').delete();
  await recordAudit(trx, { type: 'user', user }, {
    partnerId: await accountPartnerId(trx, user.customerAccountId),
    customerAccountId: user.customerAccountId,
    action: context.action,
    address: context.address,
  });
}

export async function changeCustomerPassword(db: Knex, user: SessionUser, newPassword: string, context: PasswordChangeContext): Promise<void> {
  const passwordHash = await hashSecret(newPassword);
  await db.transaction((trx) => writeCustomerPassword(trx, user, passwordHash, context));
}

export async function changeSecurityQuestions(db: Knex, user: SessionUser, answers: SecurityAnswers, address?: string): Promise<void> {
  const columns = await securityAnswerColumns(answers);
  await db.transaction(async (trx) => {
    await trx('customer_users').where({ id: user.id }).update(columns);
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: await accountPartnerId(trx, user.customerAccountId),
      customerAccountId: user.customerAccountId,
      action: 'customer.security_questions_changed',
      address,
    });
  });
}

export async function customerHasSecurityQuestions(db: Knex, userId: number): Promise<boolean> {
  const row = await db('customer_users').where({ id: userId }).first('security_question_1_id');
  return row ? row.security_question_1_id !== null : true;
}

// The first choice of a customer who has none (made by the operator); false when they already had some.
export async function chooseFirstSecurityQuestions(db: Knex, user: SessionUser, answers: SecurityAnswers, address?: string): Promise<boolean> {
  const columns = await securityAnswerColumns(answers);
  return db.transaction(async (trx) => {
    const updated = await trx('customer_users').where({ id: user.id }).whereNull('security_question_1_id').update(columns);
    if (updated === 0) return false;
    await recordAudit(trx, { type: 'user', user }, {
      partnerId: await accountPartnerId(trx, user.customerAccountId),
      customerAccountId: user.customerAccountId,
      action: 'customer.security_questions_chosen',
      address,
    });
    return true;
  });
}
