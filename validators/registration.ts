// The registration wizard's forms, and the password and security-question fields the
// customer Portal's settings and password reset share with them.
import { secretField, textField } from '../lib/forms/validation.ts';
import { formResult, type FormPart, type FormResult } from '../lib/forms/result.ts';
import { contextWords, passwordProblem } from '../lib/auth/passwords.ts';
import type { SecurityAnswers } from '../models/customerUsers.ts';

export const ANSWER_MAX_LENGTH = 100;
export const NAME_MAX_LENGTH = 100;

// ---- Safe, already installed: serial number or computer name ----

export type ComputerValues = {
  serialNumber: string;
  computerName: string;
};

export function readComputerForm(body: unknown): FormResult<ComputerValues> {
  const values = { serialNumber: textField(body, 'serialNumber', 40), computerName: textField(body, 'computerName', 255) };
  const problems = {
    serialNumber: values.serialNumber === '' && values.computerName === '' ? 'Enter the serial number or the computer name' : undefined,
  };
  return formResult(values, problems, () => values);
}

// ---- A new password, typed twice ----

// Words a customer's password must not contain: the email's name part and its pieces
// ("meredith" of "meredith.lee@..."), the brand, and any names given.
export function passwordContextFor(email: string, brandName: string, ...names: string[]): string[] {
  const pieces = (email.split('@')[0] ?? '').split(/[^\p{L}\p{N}]+/u);
  return contextWords(email, brandName, ...pieces, ...names);
}

// Nothing of it is drawn back into the form: both fields are passwords.
export function newPasswordPart(body: unknown, context: string[]): FormPart<string> {
  const password = secretField(body, 'password');
  const confirm = secretField(body, 'confirmPassword');
  const problems = {
    password: passwordProblem(password, context),
    confirmPassword: confirm === '' ? 'Confirm your password' : confirm !== password ? 'The passwords do not match' : undefined,
  };
  return { values: {}, problems, value: () => password };
}

export function readNewPassword(body: unknown, context: string[]): FormResult<string> {
  const part = newPasswordPart(body, context);
  return formResult(part.values, part.problems, part.value);
}

// ---- Two security questions, different, each with an answer ----

export type SecurityQuestionValues = {
  securityQuestion1: string;
  securityAnswer1: string;
  securityQuestion2: string;
  securityAnswer2: string;
};

function answerProblem(answer: string, n: 1 | 2): string | undefined {
  if (answer === '') return `Enter answer ${n}`;
  if ([...answer].length > ANSWER_MAX_LENGTH) return `Answer ${n} must be ${ANSWER_MAX_LENGTH} characters or fewer`;
  return undefined;
}

// The answers are drawn back into the form on an error: they are not passwords.
export function securityQuestionsPart(body: unknown, questionIds: number[]): FormPart<SecurityAnswers> {
  const values: SecurityQuestionValues = {
    securityQuestion1: textField(body, 'securityQuestion1', 10),
    securityAnswer1: textField(body, 'securityAnswer1', ANSWER_MAX_LENGTH + 50),
    securityQuestion2: textField(body, 'securityQuestion2', 10),
    securityAnswer2: textField(body, 'securityAnswer2', ANSWER_MAX_LENGTH + 50),
  };
  const known = (value: string) => (/^\d+$/.test(value) && questionIds.includes(Number(value)) ? Number(value) : undefined);
  const question1 = known(values.securityQuestion1);
  const question2 = known(values.securityQuestion2);
  const problems = {
    securityQuestion1: question1 === undefined ? 'Choose security question 1' : undefined,
    securityAnswer1: answerProblem(values.securityAnswer1, 1),
    securityQuestion2:
      question2 === undefined ? 'Choose security question 2' : question2 === question1 ? 'Choose a security question 2 that is different from security question 1' : undefined,
    securityAnswer2: answerProblem(values.securityAnswer2, 2),
  };
  const value = () => ({ question1Id: question1!, answer1: values.securityAnswer1, question2Id: question2!, answer2: values.securityAnswer2 });
  return { values, problems, value };
}

// ---- Safe: account information ----

export interface AccountResult extends SecurityAnswers {
  password: string;
}

export function readAccountForm(body: unknown, questionIds: number[], context: string[]): FormResult<AccountResult> {
  const password = newPasswordPart(body, context);
  const questions = securityQuestionsPart(body, questionIds);
  return formResult(questions.values, { ...password.problems, ...questions.problems }, () => ({ ...questions.value(), password: password.value() }));
}

// ---- Safe Backup Pro: personal information ----

export type PersonalValues = SecurityQuestionValues & {
  firstName: string;
  lastName: string;
  phone: string;
};

export interface PersonalResult extends AccountResult {
  firstName: string;
  lastName: string;
  phone: string;
}

function nameProblem(value: string, label: string): string | undefined {
  if (value === '') return `Enter your ${label.toLowerCase()}`;
  if ([...value].length > NAME_MAX_LENGTH) return `${label} must be ${NAME_MAX_LENGTH} characters or fewer`;
  return undefined;
}

// Digits with the usual separators and an optional leading +, 6 to 15 digits (E.164's limit).
export function phoneProblem(phone: string): string | undefined {
  if (phone === '') return undefined;
  const digits = phone.replace(/\D/g, '').length;
  if (!/^\+?[\d\s().-]+$/.test(phone) || digits < 6 || digits > 15) {
    return 'Enter a phone number using digits, like 555 010 0199 or +1 555 010 0199';
  }
  return undefined;
}

export function readPersonalForm(body: unknown, questionIds: number[], context: string[]): FormResult<PersonalResult> {
  const firstName = textField(body, 'firstName', NAME_MAX_LENGTH + 50);
  const lastName = textField(body, 'lastName', NAME_MAX_LENGTH + 50);
  const phone = textField(body, 'phone', 40);
  // The names count as words a password must not contain, alongside the email's.
  const password = newPasswordPart(body, [...context, firstName, lastName]);
  const questions = securityQuestionsPart(body, questionIds);
  const problems = {
    firstName: nameProblem(firstName, 'First name'),
    lastName: nameProblem(lastName, 'Last name'),
    phone: phoneProblem(phone),
    ...password.problems,
    ...questions.problems,
  };
  const values = { firstName, lastName, phone, ...questions.values };
  return formResult(values, problems, () => ({ ...questions.value(), password: password.value(), firstName, lastName, phone }));
}
