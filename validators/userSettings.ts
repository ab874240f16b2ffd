// A partner user's own settings: their name, a new email address (with their password), and
// which emails they want.
import { emailProblem, secretField, textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import type { EmailPreferences } from '../models/partnerUserSettings.ts';
import { NAME_MAX_LENGTH } from './registration.ts';

export function readName(body: unknown): FormResult<string> {
  const name = textField(body, 'name', NAME_MAX_LENGTH + 50);
  const problem = name === '' ? 'Enter your name' : Array.from(name).length > NAME_MAX_LENGTH ? `Your name must be ${NAME_MAX_LENGTH} characters or fewer` : undefined;
  return formResult({ name }, { name: problem }, () => name);
}

export interface EmailChange {
  email: string;
  password: string;
}

export function readEmailChange(body: unknown): FormResult<EmailChange> {
  const email = textField(body, 'email', 300);
  const password = secretField(body, 'password');
  return formResult({ email }, { email: emailProblem(email, 'new email address'), password: password === '' ? 'Enter your password' : undefined }, () => ({ email, password }));
}

// Checkboxes: ticked or not, never wrong.
export function readEmailPreferences(body: unknown): EmailPreferences {
  return {
    orderConfirmations: textField(body, 'orderConfirmations', 10) === 'yes',
    expiryReminders: textField(body, 'expiryReminders', 10) === 'yes',
    alerts: textField(body, 'alerts', 10) === 'yes',
  };
}
