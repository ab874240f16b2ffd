// Team members for tests: partner users of each role, made as an accepted invitation would,
// and TOTP codes computed with the same library the app uses.
import type { Knex } from 'knex';
import { TOTP, Secret } from 'otpauth';
import type { PartnerRole } from '../../lib/auth/passport.ts';
import { hashSecret } from '../../lib/auth/passwords.ts';
import { testDatabase } from './hooks.ts';
import { TEST_PASSWORD, uniqueEmail, type TestPartner } from './app.ts';

let passwordHash: Promise<string> | undefined;

export interface TestMember {
  userId: number;
  email: string;
  password: string;
  name: string;
  role: PartnerRole;
}

export async function addTeamMember(partner: Pick<TestPartner, 'partnerId'>, role: Exclude<PartnerRole, 'owner'>, db: Knex = testDatabase().db): Promise<TestMember> {
  passwordHash ??= hashSecret(TEST_PASSWORD);
  const email = uniqueEmail(role.replace('_', '-'));
  const name = `Sam ${role}`;
  const [row] = await db('partner_users').insert({ partner_id: partner.partnerId, name, email, password_hash: await passwordHash, role }).returning('id');
  return { userId: Number(row.id), email, password: TEST_PASSWORD, name, role };
}

// The code an authenticator app shows for this secret (as typed from the set-up page: groups
// of four with spaces), at a time given or now.
export function totpCode(secretText: string, timestamp = Date.now()): string {
  const secret = Secret.fromBase32(secretText.replace(/\s/g, ''));
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret }).generate({ timestamp });
}

// The setup key shown on the set-up page.
export function setupKeyFrom(html: string): string {
  const match = /Setup key: <code class="secret-key">([A-Z2-7 ]+)<\/code>/.exec(html);
  if (!match) throw new Error('No setup key on the page');
  return match[1];
}
