// Two-factor forms: the sign-in's second step (a code or a recovery code) and the set-up's code.
import { textField } from '../lib/forms/validation.ts';
import { formResult, type FormResult } from '../lib/forms/result.ts';
import { normaliseRecoveryCode } from '../lib/auth/totp.ts';

export type SecondStepCode = { kind: 'totp'; code: string } | { kind: 'recovery'; code: string };

// Six digits as apps show them ("123 456" too), or a recovery code in any case.
export function readSecondStepCode(body: unknown): FormResult<SecondStepCode> {
  const typed = textField(body, 'code', 60);
  const digits = typed.replace(/\s/g, '');
  const recovery = normaliseRecoveryCode(typed);
  const problem =
    typed === ''
      ? 'Enter the 6-digit code from your authenticator app, or a recovery code'
      : /^\d{6}$/.test(digits) || recovery
        ? undefined
        : 'Enter the 6-digit code from your authenticator app, like 123456, or a recovery code, like ACDEF-GHJKM-NPQRT-UVWXY';
  return formResult({ code: typed }, { code: problem }, () => (/^\d{6}$/.test(digits) ? { kind: 'totp' as const, code: digits } : { kind: 'recovery' as const, code: recovery! }));
}

export function readSetUpCode(body: unknown): FormResult<string> {
  const typed = textField(body, 'code', 60);
  const digits = typed.replace(/\s/g, '');
  const problem = typed === '' ? 'Enter the 6-digit code from your authenticator app' : /^\d{6}$/.test(digits) ? undefined : 'Enter the 6-digit code from your authenticator app, like 123456';
  return formResult({ code: typed }, { code: problem }, () => digits);
}
