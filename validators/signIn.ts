// The sign-in form, the same for partner users and customers.
import type { FieldProblems } from '../lib/forms/validation.ts';
import { secretField, textField } from '../lib/forms/validation.ts';

export function readSignIn(body: unknown) {
  const email = textField(body, 'email', 254);
  const password = secretField(body, 'password');
  const problems: FieldProblems = {
    email: email === '' ? 'Enter your email address' : undefined,
    password: password === '' ? 'Enter your password' : undefined,
  };
  return { email, password, problems };
}
