// Direct customers (no partner) for the tests, made through the model the operator's command uses.
import { hashSecret } from '../../lib/auth/passwords.ts';
import { createDirectAccount } from '../../models/directAccounts.ts';
import { chooseFirstSecurityQuestions, findCustomerSessionUser } from '../../models/customerUsers.ts';
import { uniqueEmail } from './app.ts';
import { testDatabase } from './hooks.ts';
import { ANSWER_1, ANSWER_2, CUSTOMER_PASSWORD, questionIds } from './customers.ts';

export interface DirectCustomer {
  accountId: number;
  userId: number;
  email: string;
  name: string;
  password: string;
}

let passwordHash: Promise<string> | undefined;

// Security questions chosen, as after their first sign-in, unless told otherwise.
export async function directCustomer(options: { name?: string; withQuestions?: boolean } = {}): Promise<DirectCustomer> {
  const db = testDatabase().db;
  passwordHash ??= hashSecret(CUSTOMER_PASSWORD);
  const email = uniqueEmail('direct');
  const name = options.name ?? 'Casey Direct';
  const created = await createDirectAccount(db, { name, email, passwordHash: await passwordHash, productId: 'safe-backup-pro', planId: 'sbp-core', computers: 3 });
  if (options.withQuestions !== false) {
    const [first, second] = await questionIds();
    const user = await findCustomerSessionUser(db, created.customerUserId);
    await chooseFirstSecurityQuestions(db, user!, { question1Id: first, answer1: ANSWER_1, question2Id: second, answer2: ANSWER_2 });
  }
  return { accountId: created.accountId, userId: created.customerUserId, email, name, password: CUSTOMER_PASSWORD };
}
