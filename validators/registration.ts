// The registration wizard's forms, and the password and security-question fields the
// customer Portal's settings and password reset share with them.
import type { FieldProblems } from '../lib/forms/validation.ts';
import { secretField, textField } from '../lib/forms/validation.ts';
import { contextWords, passwordProblem } from '../lib/auth/passwords.ts';
import type { SecurityAnswers } from '../models/customerUsers.ts';

export const ANSWER_MAX_LENGTH = 100;
export const NAME_MAX_LENGTH = 100;

export interface Form<Values, Result> {
  values: Values; // what is drawn back into the form on an error: never a password
  result: Result | undefined; // set only when there are no problems
  problems: FieldProblems;
}

function hasProblems(problems: FieldProblems): boolean {
  return Object.values(problems).some((p) => p !== undefined);
}

// ---- Safe, already installed: serial number or computer name ----

export interface ComputerValues {
  serialNumber: string;
  computerName: string;
}

export function readComputerForm(body: unknown): Form<ComputerValues, ComputerValues> {
  const values = { serialNumber: textField(body, 'serialNumber', 40), computerName: textField(body, 'computerName', 255) };
  const problems: FieldProblems = {
    serialNumber: values.serialNumber === '' && values.computerName === '' ? 'Enter the serial number or the computer name' : undefined,
  };
  return { values, problems, result: hasProblems(problems) ? undefined : values };
}

// ---- A new password, typed twice ----

// Words a customer's password must not contain: the email's name part and its pieces
// ("meredith" of "meredith.lee@..."), the brand, and any names given.
export function passwordContextFor(email: string, brandName: string, ...names: string[]): string[] {
  const pieces = (email.split('@')[0] ?? '').split(/[^\p{L}\p{N}]+/u);
  return contextWords(email, brandName, ...pieces, ...names);
}

export function readNewPassword(body: unknown, context: string[], names = { password: 'password', confirm: 'confirmPassword' }) {
  const password = secretField(body, names.password);
  const confirm = secretField(body, names.confirm);
  const problems: FieldProblems = {
    [names.password]: passwordProblem(password, context),
    [names.confirm]: confirm === '' ? 'Confirm your password' : confirm !== password ? 'The passwords do not match' : undefined,
  };
  return { password, problems };
}

// ---- Two security questions, different, each with an answer ----

export interface SecurityQuestionValues {
  securityQuestion1: string;
  securityAnswer1: string;
  securityQuestion2: string;
  securityAnswer2: string;
}

function answerProblem(answer: string, n: 1 | 2): string | undefined {
  if (answer === '') return `Enter answer ${n}`;
  if ([...answer].length > ANSWER_MAX_LENGTH) return `Answer ${n} must be ${ANSWER_MAX_LENGTH} characters or fewer`;
  return undefined;
}

export function readSecurityQuestions(body: unknown, questionIds: number[]): Form<SecurityQuestionValues, SecurityAnswers> {
  const values: SecurityQuestionValues = {
    securityQuestion1: textField(body, 'securityQuestion1', 10),
    securityAnswer1: textField(body, 'securityAnswer1', ANSWER_MAX_LENGTH + 50),
    securityQuestion2: textField(body, 'securityQuestion2', 10),
    securityAnswer2: textField(body, 'securityAnswer2', ANSWER_MAX_LENGTH + 50),
  };
  const known = (value: string) => (/^\d+$/.test(value) && questionIds.includes(Number(value)) ? Number(value) : undefined);
  const question1 = known(values.securityQuestion1);
  const question2 = known(values.securityQuestion2);
  const problems: FieldProblems = {
    securityQuestion1: question1 === undefined ? 'Choose security question 1' : undefined,
    securityAnswer1: answerProblem(values.securityAnswer1, 1),
    securityQuestion2:
      question2 === undefined ? 'Choose security question 2' : question2 === question1 ? 'Choose a security question 2 that is different from security question 1' : undefined,
    securityAnswer2: answerProblem(values.securityAnswer2, 2),
  };
  const result = hasProblems(problems)
    ? undefined
    : { question1Id: question1!, answer1: values.securityAnswer1, question2Id: question2!, answer2: values.securityAnswer2 };
  return { values, problems, result };
}

// ---- Safe: account information ----

export interface AccountResult extends SecurityAnswers {
  password: string;
}

export function readAccountForm(body: unknown, questionIds: number[], context: string[]): Form<SecurityQuestionValues, AccountResult> {
  const { password, problems: passwordProblems } = readNewPassword(body, context);
  const questions = readSecurityQuestions(body, questionIds);
  const problems = { ...passwordProblems, ...questions.problems };
  const result = hasProblems(problems) ? undefined : { ...questions.result!, password };
  return { values: questions.values, problems, result };
}

// ---- Safe Backup Pro: personal information ----

export interface PersonalValues extends SecurityQuestionValues {
  firstName: string;
  lastName: string;
  phone: string;
}

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

export function readPersonalForm(body: unknown, questionIds: number[], context: string[]): Form<PersonalValues, PersonalResult> {
  const firstName = textField(body, 'firstName', NAME_MAX_LENGTH + 50);
  const lastName = textField(body, 'lastName', NAME_MAX_LENGTH + 50);
  const phone = textField(body, 'phone', 40);
  // The names count as words a password must not contain, alongside the email's.
  const { password, problems: passwordProblems } = readNewPassword(body, [...context, firstName, lastName]);
  const questions = readSecurityQuestions(body, questionIds);
  const problems: FieldProblems = {
    firstName: nameProblem(firstName, 'First name'),
    lastName: nameProblem(lastName, 'Last name'),
    phone: phoneProblem(phone),
    ...passwordProblems,
    ...questions.problems,
  };
  const values = { firstName, lastName, phone, ...questions.values };
  const result = hasProblems(problems) ? undefined : { ...questions.result!, password, firstName, lastName, phone };
  return { values, problems, result };
}
