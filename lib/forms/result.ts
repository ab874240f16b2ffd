// What every form's validator answers: the checked value, or the errors to show with the
// values to draw back into the form (never a password).
import { formErrors, type FieldProblems, type FormErrors } from './validation.ts';

export type FormValues = Record<string, string>;

export type FailedForm = { ok: false; errors: FormErrors; values: FormValues };
export type FormResult<T> = { ok: true; value: T } | FailedForm;

// The value is built only when no field has a problem, so it may rely on every check passing.
export function formResult<T>(values: FormValues, problems: FieldProblems, value: () => T): FormResult<T> {
  const errors = formErrors(problems);
  return errors ? { ok: false, errors, values } : { ok: true, value: value() };
}

// A group of fields several forms share (a new password, the security questions): its
// problems and values join the whole form's, and its value is read once none has a problem.
export interface FormPart<T> {
  values: FormValues;
  problems: FieldProblems;
  value: () => T;
}

// A form whose fields were fine but which was refused after them: a wrong current password,
// a computer that does not match, a throttle.
export function refusedForm(values: FormValues, problems: Record<string, string>): FailedForm {
  return { ok: false, errors: formErrors(problems)!, values };
}
