import { expect } from 'chai';
import { readSignIn } from '../../../validators/signIn.ts';

describe('validators/signIn: readSignIn', () => {
  it('answers the email, trimmed, and the password exactly as typed', () => {
    expect(readSignIn({ email: '  ann@example.com ', password: ' a password with spaces ' })).to.deep.equal({
      ok: true,
      value: { email: 'ann@example.com', password: ' a password with spaces ' },
    });
  });

  it('does not check the email format or the password rules: a wrong one is simply not found', () => {
    expect(readSignIn({ email: 'ann', password: 'x' })).to.deep.equal({ ok: true, value: { email: 'ann', password: 'x' } });
  });

  it('asks for both fields in page order, linking to #field-email and #field-password, keeping no password', () => {
    expect(readSignIn({})).to.deep.equal({
      ok: false,
      errors: {
        summary: [
          { text: 'Enter your email address', href: '#field-email' },
          { text: 'Enter your password', href: '#field-password' },
        ],
        fields: { email: 'Enter your email address', password: 'Enter your password' },
      },
      values: { email: '' },
    });
  });

  it('keeps the email but never the password when only the email is missing', () => {
    expect(readSignIn({ email: '   ', password: 'secret password' })).to.deep.equal({
      ok: false,
      errors: { summary: [{ text: 'Enter your email address', href: '#field-email' }], fields: { email: 'Enter your email address' } },
      values: { email: '' },
    });
  });

  it('treats a password of only spaces as typed, not as missing', () => {
    expect(readSignIn({ email: 'ann@example.com', password: '   ' })).to.deep.equal({ ok: true, value: { email: 'ann@example.com', password: '   ' } });
  });

  it('treats an array or an object instead of a string as missing', () => {
    const result = readSignIn({ email: ['ann@example.com', 'bob@example.com'], password: { guess: 'x' } });
    expect(result).to.deep.equal({
      ok: false,
      errors: {
        summary: [
          { text: 'Enter your email address', href: '#field-email' },
          { text: 'Enter your password', href: '#field-password' },
        ],
        fields: { email: 'Enter your email address', password: 'Enter your password' },
      },
      values: { email: '' },
    });
  });

  it('answers a failed form for a missing body (Express 5 leaves req.body undefined)', () => {
    const result = readSignIn(undefined);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(Object.keys(result.errors.fields)).to.deep.equal(['email', 'password']);
  });

  it('strips control characters from the email and caps it at 254 characters', () => {
    expect(readSignIn({ email: 'ann\u0000@example.com', password: 'p' })).to.deep.equal({ ok: true, value: { email: 'ann@example.com', password: 'p' } });
    const result = readSignIn({ email: 'a'.repeat(300), password: 'p' });
    expect(result.ok && result.value.email).to.equal('a'.repeat(254));
  });

  it('never keeps the password in the values of a failed form', () => {
    const result = readSignIn({ email: '', password: 'correct horse battery staple' });
    expect(result.ok).to.equal(false);
    if (!result.ok) {
      expect(result.values).to.deep.equal({ email: '' });
      expect(JSON.stringify(result)).not.to.include('correct horse');
    }
  });
});
