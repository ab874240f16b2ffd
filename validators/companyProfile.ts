// The company profile's form: every field trimmed and capped; the company name required.
import { emailProblem, textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import type { CompanyDetails } from '../models/companyProfile.ts';
import { NAME_MAX_LENGTH, phoneProblem } from './registration.ts';

export const ADDRESS_MAX_LENGTH = 500;

const tooLong = (value: string, max: number, label: string) => (Array.from(value).length > max ? `${label} must be ${max} characters or fewer` : undefined);
const optionalEmail = (value: string, label: string) => (value === '' ? undefined : emailProblem(value, label));

export function readCompanyDetails(body: unknown): FormResult<CompanyDetails> {
  const name = textField(body, 'name', NAME_MAX_LENGTH + 50);
  const contactName = textField(body, 'contactName', NAME_MAX_LENGTH + 50);
  const contactEmail = textField(body, 'contactEmail', 300);
  // Lines kept: an address is written on several.
  const address = textField(body, 'address', ADDRESS_MAX_LENGTH + 100).replace(/\r\n?/g, '\n');
  const phone = textField(body, 'phone', 40);
  const supportEmail = textField(body, 'supportEmail', 300);
  const values = { name, contactName, contactEmail, address, phone, supportEmail };
  return formResult(
    values,
    {
      name: name === '' ? 'Enter the company name' : tooLong(name, NAME_MAX_LENGTH, 'The company name'),
      contactName: tooLong(contactName, NAME_MAX_LENGTH, 'The primary contact’s name'),
      contactEmail: optionalEmail(contactEmail, 'primary contact’s email address'),
      address: tooLong(address, ADDRESS_MAX_LENGTH, 'The address'),
      phone: phoneProblem(phone),
      supportEmail: optionalEmail(supportEmail, 'support email address'),
    },
    () => values,
  );
}
