import type { Response } from 'express';
import { expect } from 'chai';
import { emailProblem, formErrors, idFrom, queryString, secretField, textField } from '../../../lib/forms/validation.ts';
import { formResult, refusedForm } from '../../../lib/forms/result.ts';
import { renderFailedForm } from '../../../lib/forms/failedForm.ts';

describe('lib/forms: textField', () => {
  it('reads a string field, trimmed', () => {
    expect(textField({ name: '  Acme Ltd \t' }, 'name')).to.equal('Acme Ltd');
  });

  it('answers an empty string for a missing field, a missing body or a body that is not an object', () => {
    expect(textField({}, 'name')).to.equal('');
    expect(textField(undefined, 'name')).to.equal('');
    expect(textField(null, 'name')).to.equal('');
    expect(textField('name=Acme', 'name')).to.equal('');
    expect(textField(42, 'name')).to.equal('');
  });

  it('answers an empty string when the field is an array, an object, a number or a boolean', () => {
    expect(textField({ name: ['Acme', 'Other'] }, 'name')).to.equal('');
    expect(textField({ name: { first: 'Acme' } }, 'name')).to.equal('');
    expect(textField({ name: 42 }, 'name')).to.equal('');
    expect(textField({ name: true }, 'name')).to.equal('');
  });

  it('reads only own fields, never one inherited from the prototype', () => {
    expect(textField({}, 'toString')).to.equal('');
    expect(textField(Object.create({ name: 'inherited' }), 'name')).to.equal('');
  });

  it('strips NUL and the other C0 control characters, DEL and U+FFFD wherever they are', () => {
    expect(textField({ name: '\u0000Ac\u0007me\u001b \u007fLtd\ufffd\u000b\u000c' }, 'name')).to.equal('Acme Ltd');
  });

  it('strips lone surrogate halves but keeps whole emoji', () => {
    expect(textField({ name: 'a\ud800b\udc00c' }, 'name')).to.equal('abc');
    expect(textField({ name: 'Caf\u00e9 😀' }, 'name')).to.equal('Café 😀');
  });

  it('strips control characters before trimming, so none of them keeps spaces at the ends', () => {
    expect(textField({ name: '\u0000  Acme  \u0001' }, 'name')).to.equal('Acme');
  });

  it('caps the length at 1000 by default and at the given maximum', () => {
    expect(textField({ name: 'x'.repeat(1500) }, 'name')).to.equal('x'.repeat(1000));
    expect(textField({ name: 'abcdefgh' }, 'name', 5)).to.equal('abcde');
    expect(textField({ name: 'abcde' }, 'name', 5)).to.equal('abcde');
  });

  it('caps after trimming, so leading spaces do not use up the allowance', () => {
    expect(textField({ name: `${' '.repeat(10)}abcdef` }, 'name', 5)).to.equal('abcde');
  });

  it('caps in characters, so an emoji counts as one and is never cut in two', () => {
    expect(textField({ name: '😀😀😀' }, 'name', 2)).to.equal('😀😀');
    expect(textField({ name: 'ab😀c' }, 'name', 3)).to.equal('ab😀');
    expect(textField({ name: 'ab😀' }, 'name', 4)).to.equal('ab😀');
  });

  // Found by these tests and fixed: a value over the limit is refused or cleaned, never cut or kept.
  it('strips the C1 control characters U+0080 to U+009F, as the API does', () => {
    expect(textField({ name: 'Acme\u0085 Ltd\u009b' }, 'name')).to.equal('Acme Ltd');
  });
});

describe('lib/forms: secretField', () => {
  it('takes a password exactly as typed: spaces and control characters count', () => {
    expect(secretField({ password: '  two spaces \t' }, 'password')).to.equal('  two spaces \t');
    expect(secretField({ password: 'a\u0000b' }, 'password')).to.equal('a\u0000b');
  });

  it('answers an empty string for a missing field, a body that is not an object, an array or an object', () => {
    expect(secretField({}, 'password')).to.equal('');
    expect(secretField(undefined, 'password')).to.equal('');
    expect(secretField('password=x', 'password')).to.equal('');
    expect(secretField({ password: ['a', 'b'] }, 'password')).to.equal('');
    expect(secretField({ password: { a: 'b' } }, 'password')).to.equal('');
    expect(secretField({ password: 123456789012 }, 'password')).to.equal('');
    expect(secretField(Object.create({ password: 'inherited' }), 'password')).to.equal('');
  });

  it('caps the length at 1024 by default and at the given maximum', () => {
    expect(secretField({ password: 'p'.repeat(2000) }, 'password')).to.equal('p'.repeat(1024));
    expect(secretField({ password: 'abcdef' }, 'password', 4)).to.equal('abcd');
  });
});

describe('lib/forms: emailProblem', () => {
  it('accepts ordinary addresses', () => {
    expect(emailProblem('name@example.com')).to.equal(undefined);
    expect(emailProblem('first.last+tag@mail.example.co.uk')).to.equal(undefined);
    expect(emailProblem('josé@exämple.de')).to.equal(undefined);
  });

  it('asks for an address when empty, naming the label', () => {
    expect(emailProblem('')).to.equal('Enter the email address');
    expect(emailProblem('', 'customer email address')).to.equal('Enter the customer email address');
  });

  it('refuses addresses in the wrong format, naming the label', () => {
    const wrong = 'Enter the email address in the correct format, like name@example.com';
    for (const email of ['name', 'name@', '@example.com', 'name@example', 'name@example.c', 'na me@example.com', 'a@b@example.com', '<a>@example.com', 'name@example.com, other@example.com']) {
      expect(emailProblem(email), email).to.equal(wrong);
    }
    expect(emailProblem('name', 'customer email address')).to.equal('Enter the customer email address in the correct format, like name@example.com');
  });

  it('refuses addresses longer than 254 characters and accepts 254', () => {
    const at254 = `${'a'.repeat(242)}@example.com`;
    expect(at254).to.have.length(254);
    expect(emailProblem(at254)).to.equal(undefined);
    expect(emailProblem(`a${at254}`)).to.equal('Enter the email address in the correct format, like name@example.com');
  });
});

describe('lib/forms: queryString', () => {
  it('answers a single string, trimmed', () => {
    expect(queryString('  active ')).to.equal('active');
  });

  it('answers an empty string for repeated parameters (an array), nested ones (an object), or none', () => {
    expect(queryString(['active', 'expired'])).to.equal('');
    expect(queryString({ a: 'b' })).to.equal('');
    expect(queryString(undefined)).to.equal('');
    expect(queryString(5)).to.equal('');
  });

  it('caps the length at 200 by default and at the given maximum', () => {
    expect(queryString('q'.repeat(300))).to.equal('q'.repeat(200));
    expect(queryString('abcdef', 3)).to.equal('abc');
  });
});

describe('lib/forms: idFrom', () => {
  it('reads plain positive whole numbers', () => {
    expect(idFrom('1')).to.equal(1);
    expect(idFrom('42')).to.equal(42);
    expect(idFrom('9007199254740991')).to.equal(9007199254740991);
  });

  it('answers undefined for zero, negatives, leading zeros, signs, decimals, exponents, hex and spaces', () => {
    for (const value of ['0', '-1', '01', '+1', '1.0', '1e3', '0x10', ' 1', '1 ', '', '١٢']) {
      expect(idFrom(value), JSON.stringify(value)).to.equal(undefined);
    }
  });

  it('answers undefined for numbers beyond the safe integers and for more than 16 digits', () => {
    expect(idFrom('9007199254740992')).to.equal(undefined);
    expect(idFrom('12345678901234567')).to.equal(undefined);
  });

  it('answers undefined for anything that is not a string: a number, an array, an object', () => {
    expect(idFrom(5)).to.equal(undefined);
    expect(idFrom(['5'])).to.equal(undefined);
    expect(idFrom({ id: '5' })).to.equal(undefined);
    expect(idFrom(undefined)).to.equal(undefined);
  });
});

describe('lib/forms: formErrors, formResult and refusedForm', () => {
  it('formErrors answers undefined when no field has a problem', () => {
    expect(formErrors({})).to.equal(undefined);
    expect(formErrors({ email: undefined, password: undefined })).to.equal(undefined);
  });

  it('formErrors keeps the order given and links each message to #field-<name>', () => {
    expect(formErrors({ email: 'Enter your email address', name: undefined, password: 'Enter your password' })).to.deep.equal({
      summary: [
        { text: 'Enter your email address', href: '#field-email' },
        { text: 'Enter your password', href: '#field-password' },
      ],
      fields: { email: 'Enter your email address', password: 'Enter your password' },
    });
  });

  it('formResult builds the value only when no field has a problem', () => {
    let built = 0;
    const build = () => {
      built += 1;
      return 'value';
    };
    const failed = formResult({ email: 'x' }, { email: 'Wrong' }, build);
    expect(failed).to.deep.equal({
      ok: false,
      errors: { summary: [{ text: 'Wrong', href: '#field-email' }], fields: { email: 'Wrong' } },
      values: { email: 'x' },
    });
    expect(built).to.equal(0);
    expect(formResult({ email: 'x' }, { email: undefined }, build)).to.deep.equal({ ok: true, value: 'value' });
    expect(built).to.equal(1);
  });

  it('refusedForm answers a failed form with the given problems and values', () => {
    expect(refusedForm({ email: 'a@example.com' }, { password: 'The password is wrong' })).to.deep.equal({
      ok: false,
      errors: { summary: [{ text: 'The password is wrong', href: '#field-password' }], fields: { password: 'The password is wrong' } },
      values: { email: 'a@example.com' },
    });
  });
});

describe('lib/forms: renderFailedForm', () => {
  function fakeResponse() {
    const calls: { status?: number; view?: string; locals?: Record<string, unknown> } = {};
    const res = {
      status(code: number) {
        calls.status = code;
        return res;
      },
      render(view: string, locals: Record<string, unknown>) {
        calls.view = view;
        calls.locals = locals;
      },
    };
    return { res: res as unknown as Response, calls };
  }
  const form = refusedForm({ email: 'a@example.com' }, { email: 'Enter your email address' });

  it('renders the same page with 422, `Error: ` before the title, the errors and the values', () => {
    const { res, calls } = fakeResponse();
    renderFailedForm(res, 'partner/signIn', form, { title: 'Sign in', brand: 'Safe' });
    expect(calls).to.deep.equal({
      status: 422,
      view: 'partner/signIn',
      locals: { title: 'Error: Sign in', brand: 'Safe', errors: form.errors, values: { email: 'a@example.com' } },
    });
  });

  it('answers the status given, such as 429 for a throttle', () => {
    const { res, calls } = fakeResponse();
    renderFailedForm(res, 'partner/signIn', form, { title: 'Sign in' }, 429);
    expect(calls.status).to.equal(429);
    expect(calls.locals?.title).to.equal('Error: Sign in');
  });
});
