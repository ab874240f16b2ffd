// Add an existing customer: the customer's email address, the only thing the partner gives.
import { emailProblem, textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';

export function readAddExistingCustomer(body: unknown): FormResult<string> {
  const email = textField(body, 'email', 320);
  return formResult({ email }, { email: emailProblem(email, 'customer’s email address') }, () => email);
}
