import type { Knex } from 'knex';
import type { Config } from '../lib/boot/config.ts';
import type { SessionUser } from '../lib/auth/passport.ts';
import { hashToken, isTokenShaped, newToken } from '../lib/codes.ts';
import { hashSecret } from '../lib/auth/passwords.ts';
import { enqueueEmail } from './outbox.ts';
import { paths } from '../lib/paths.ts';
import { findCustomerSessionUser, verifySecurityAnswer, writeCustomerPassword } from './customerUsers.ts';

export const RESET_LINK_MINUTES = 60;

export type ResetState = 'valid' | 'expired' | 'no_longer_works';

// A link works once, until it expires (customers' and partner users' links alike).
export function resetStateOf(row: { used_at: Date | null; expires_at: Date }): ResetState {
  return row.used_at ? 'no_longer_works' : row.expires_at.getTime() <= Date.now() ? 'expired' : 'valid';
}

export interface PasswordReset {
  resetId: number;
  state: ResetState;
  customerUserId: number;
  // null: the customer has not chosen security questions yet (made by the operator), so the emailed link alone resets.
  questionText: string | null;
}

// Queues a reset link for the customer user with this email, if there is one. The caller
// answers the same either way; only the newest link of a user works.
export async function requestPasswordReset(db: Knex, email: string, config: Pick<Config, 'appUrl'>): Promise<void> {
  const user = await db('customer_users as u')
    .join('customer_accounts as a', 'a.id', 'u.customer_account_id')
    .whereRaw('lower(u.email) = lower(?)', [email])
    .first('u.id', 'u.email', 'u.first_name', 'a.id as account_id', 'a.name as account_name');
  if (!user) return;
  const { token, hash } = newToken();
  const expiresAt = new Date(Date.now() + RESET_LINK_MINUTES * 60_000);
  await db.transaction(async (trx) => {
    await trx('password_resets').where({ customer_user_id: user.id }).whereNull('used_at').delete();
    const [row] = await trx('password_resets')
      .insert({ customer_user_id: user.id, token_hash: hash, expires_at: expiresAt })
      .returning('id');
    await enqueueEmail(trx, {
      to: user.email,
      template: 'password-reset',
      idempotencyKey: `password-reset:${row.id}`,
      customerAccountId: user.account_id,
      data: {
        name: user.first_name || user.account_name,
        resetUrl: `${config.appUrl}${paths.portal.resetPassword(token)}`,
        expiresAt: expiresAt.toISOString(),
      },
    });
  });
}

// Which of the two questions a reset asks is fixed by the reset itself, so reloading the
// page cannot shop for the easier one.
function questionNumber(resetId: number): 1 | 2 {
  return resetId % 2 === 0 ? 1 : 2;
}

function resets(db: Knex | Knex.Transaction) {
  return db('password_resets as r').join('customer_users as u', 'u.id', 'r.customer_user_id');
}

export async function findPasswordReset(db: Knex, token: string): Promise<PasswordReset | undefined> {
  if (!isTokenShaped(token)) return undefined;
  const row = await resets(db)
    .leftJoin('security_questions as q1', 'q1.id', 'u.security_question_1_id')
    .leftJoin('security_questions as q2', 'q2.id', 'u.security_question_2_id')
    .where('r.token_hash', hashToken(token))
    .first('r.id', 'r.expires_at', 'r.used_at', 'u.id as user_id', 'q1.text as question_1', 'q2.text as question_2');
  if (!row) return undefined;
  return {
    resetId: row.id,
    state: resetStateOf(row),
    customerUserId: row.user_id,
    questionText: questionNumber(row.id) === 1 ? row.question_1 : row.question_2,
  };
}

export async function checkResetAnswer(db: Knex, resetId: number, answer: string): Promise<boolean> {
  const row = await resets(db).where('r.id', resetId).first('u.security_answer_1_hash', 'u.security_answer_2_hash');
  if (!row || !row.security_answer_1_hash) return false;
  return verifySecurityAnswer(answer, questionNumber(resetId) === 1 ? row.security_answer_1_hash : row.security_answer_2_hash);
}

// Too many wrong answers: the link is spent, and only a fresh emailed link can start again.
export async function spendPasswordReset(db: Knex, resetId: number): Promise<void> {
  await db('password_resets').where({ id: resetId }).whereNull('used_at').update({ used_at: db.fn.now() });
}

export type ResetResult = { outcome: 'changed'; user: SessionUser } | { outcome: 'expired' | 'no_longer_works' };

// Sets the new password and spends the link in one transaction; a second submit of the
// same link waits on the row lock and then finds it used.
export async function completePasswordReset(db: Knex, resetId: number, newPassword: string, context: { address?: string }): Promise<ResetResult> {
  const passwordHash = await hashSecret(newPassword);
  return db.transaction(async (trx) => {
    const reset = await trx('password_resets').where({ id: resetId }).forUpdate().first();
    if (!reset || reset.used_at) return { outcome: 'no_longer_works' as const };
    if (reset.expires_at.getTime() <= Date.now()) return { outcome: 'expired' as const };
    const user = await findCustomerSessionUser(trx, reset.customer_user_id);
    if (!user) return { outcome: 'no_longer_works' as const };
    await trx('password_resets').where({ id: resetId }).update({ used_at: trx.fn.now() });
    await writeCustomerPassword(trx, user, passwordHash, { action: 'customer.password_reset', address: context.address });
    return { outcome: 'changed' as const, user };
  });
}
