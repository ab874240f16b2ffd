// The customer Portal's forms: settings and the password reset (sign-in: validators/signIn.ts).
import { emailProblem, secretField, textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import type { SecurityAnswers } from '../models/customerUsers.ts';
import { ANSWER_MAX_LENGTH, newPasswordPart, securityQuestionsPart } from './registration.ts';

function currentPasswordProblem(password: string): string | undefined {
  return password === '' ? 'Enter your current password' : undefined;
}

export interface PasswordChange {
  currentPassword: string;
  password: string;
}

// Nothing of it is drawn back into the form: every field is a password.
export function readChangePassword(body: unknown, context: string[]): FormResult<PasswordChange> {
  const currentPassword = secretField(body, 'currentPassword');
  const password = newPasswordPart(body, context);
  return formResult({}, { currentPassword: currentPasswordProblem(currentPassword), ...password.problems }, () => ({
    currentPassword,
    password: password.value(),
  }));
}

export interface SecurityQuestionsChange {
  currentPassword: string;
  answers: SecurityAnswers;
}

export function readChangeSecurityQuestions(body: unknown, questionIds: number[]): FormResult<SecurityQuestionsChange> {
  const currentPassword = secretField(body, 'currentPassword');
  const questions = securityQuestionsPart(body, questionIds);
  return formResult(questions.values, { ...questions.problems, currentPassword: currentPasswordProblem(currentPassword) }, () => ({
    currentPassword,
    answers: questions.value(),
  }));
}

// The value is the email address a reset link is asked for.
export function readForgotPassword(body: unknown): FormResult<string> {
  const email = textField(body, 'email', 320);
  return formResult({ email }, { email: emailProblem(email, 'email address') }, () => email);
}

// The value is the answer to the security question, as typed (answers are normalised when hashed and checked).
export function readResetAnswer(body: unknown): FormResult<string> {
  const answer = textField(body, 'answer', ANSWER_MAX_LENGTH + 50);
  return formResult({}, { answer: answer === '' ? 'Enter your answer' : undefined }, () => answer);
}

// A customer made by the operator chooses their questions at their first sign-in: they have
// just given their password, so it is not asked again.
export function readChooseSecurityQuestions(body: unknown, questionIds: number[]): FormResult<SecurityAnswers> {
  const questions = securityQuestionsPart(body, questionIds);
  return formResult(questions.values, questions.problems, () => questions.value());
}
