// The customer Portal's forms: settings and the password reset (sign-in: validators/signIn.ts).
import type { FieldProblems } from '../lib/forms/validation.ts';
import { emailProblem, secretField, textField } from '../lib/forms/validation.ts';
import { ANSWER_MAX_LENGTH, readNewPassword, readSecurityQuestions } from './registration.ts';

function currentPasswordProblem(password: string): string | undefined {
  return password === '' ? 'Enter your current password' : undefined;
}

export function readChangePassword(body: unknown, context: string[]) {
  const currentPassword = secretField(body, 'currentPassword');
  const { password, problems } = readNewPassword(body, context);
  return { currentPassword, password, problems: { currentPassword: currentPasswordProblem(currentPassword), ...problems } };
}

export function readChangeSecurityQuestions(body: unknown, questionIds: number[]) {
  const currentPassword = secretField(body, 'currentPassword');
  const questions = readSecurityQuestions(body, questionIds);
  return { ...questions, currentPassword, problems: { ...questions.problems, currentPassword: currentPasswordProblem(currentPassword) } };
}

export function readForgotPassword(body: unknown) {
  const email = textField(body, 'email', 254);
  return { email, problems: { email: emailProblem(email, 'email address') } as FieldProblems };
}

export function readResetAnswer(body: unknown) {
  const answer = textField(body, 'answer', ANSWER_MAX_LENGTH + 50);
  return { answer, problems: { answer: answer === '' ? 'Enter your answer' : undefined } as FieldProblems };
}
