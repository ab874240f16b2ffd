// The one way a failed form is answered: the same page again, with the error summary, the
// message beside each field, the values kept and `Error: ` starting the title.
import type { Response } from 'express';
import type { FailedForm } from './result.ts';

export interface FormPageLocals {
  title: string;
  [local: string]: unknown;
}

// 422 unless a throttle answers 429: the form itself is shown the same either way.
export function renderFailedForm(res: Response, view: string, form: FailedForm, locals: FormPageLocals, status = 422): void {
  res.status(status).render(view, { ...locals, title: `Error: ${locals.title}`, errors: form.errors, values: form.values });
}
