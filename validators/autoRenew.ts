// Enable auto-renew / Disable auto-renew: the button's one value.
import { textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';

export function readAutoRenew(body: unknown): FormResult<{ enabled: boolean }> {
  const autoRenew = textField(body, 'autoRenew', 10);
  const problem = autoRenew === 'on' || autoRenew === 'off' ? undefined : 'Choose Enable auto-renew or Disable auto-renew';
  return formResult({ autoRenew }, { autoRenew: problem }, () => ({ enabled: autoRenew === 'on' }));
}
