// The Team tab's forms: an invitation, a role, ownership's transfer, the two-factor rule, and
// the invitation's acceptance (a name and a new password).
import { emailProblem, secretField, textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import type { AssignableRole } from '../models/team.ts';
import { NAME_MAX_LENGTH, newPasswordPart } from './registration.ts';

export const ASSIGNABLE_ROLES: readonly AssignableRole[] = ['admin', 'staff', 'read_only'];

function roleProblem(role: string): string | undefined {
  return (ASSIGNABLE_ROLES as readonly string[]).includes(role) ? undefined : 'Choose a role';
}

export interface Invite {
  email: string;
  role: AssignableRole;
}

export function readInvite(body: unknown): FormResult<Invite> {
  const email = textField(body, 'email', 300);
  const role = textField(body, 'role', 20);
  return formResult({ email, role }, { email: emailProblem(email), role: roleProblem(role) }, () => ({ email: email.toLowerCase(), role: role as AssignableRole }));
}

export function readRole(body: unknown): FormResult<AssignableRole> {
  const role = textField(body, 'role', 20);
  return formResult({ role }, { role: roleProblem(role) }, () => role as AssignableRole);
}

export interface Transfer {
  userId: number;
  password: string;
}

export function readTransfer(body: unknown, adminIds: number[]): FormResult<Transfer> {
  const userId = textField(body, 'userId', 20);
  const password = secretField(body, 'password');
  const problems = {
    userId: adminIds.map(String).includes(userId) ? undefined : 'Choose the administrator who becomes the owner',
    password: password === '' ? 'Enter your password' : undefined,
  };
  return formResult({ userId }, problems, () => ({ userId: Number(userId), password }));
}

export function readTwoFactorRequirement(body: unknown): FormResult<boolean> {
  const required = textField(body, 'required', 5);
  return formResult({}, { required: required === 'yes' || required === 'no' ? undefined : 'Choose whether two-factor sign-in is required' }, () => required === 'yes');
}

export interface Acceptance {
  name: string;
  password: string;
}

export function readAcceptance(body: unknown, context: string[]): FormResult<Acceptance> {
  const name = textField(body, 'name', NAME_MAX_LENGTH + 50);
  const password = newPasswordPart(body, [...context, ...name.split(/\s+/)]);
  const nameProblem = name === '' ? 'Enter your name' : Array.from(name).length > NAME_MAX_LENGTH ? `Your name must be ${NAME_MAX_LENGTH} characters or fewer` : undefined;
  return formResult({ name, ...password.values }, { name: nameProblem, ...password.problems }, () => ({ name, password: password.value() }));
}
