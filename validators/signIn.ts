// The sign-in form, the same for partner users and customers.
import { secretField, textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';

export interface Credentials {
  email: string;
  password: string;
}

export function readSignIn(body: unknown): FormResult<Credentials> {
  const email = textField(body, 'email', 254);
  const password = secretField(body, 'password');
  const problems = {
    email: email === '' ? 'Enter your email address' : undefined,
    password: password === '' ? 'Enter your password' : undefined,
  };
  return formResult({ email }, problems, () => ({ email, password }));
}
