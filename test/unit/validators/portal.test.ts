import { expect } from 'chai';
import { readChangePassword, readChangeSecurityQuestions, readForgotPassword, readResetAnswer } from '../../../validators/portal.ts';
import { passwordContextFor } from '../../../validators/registration.ts';

const CURRENT = 'my old passphrase';
const NEW = 'quiet lake at dusk';
const QUESTION_IDS = [3, 7, 12];
const questions = { securityQuestion1: '7', securityAnswer1: 'Rex', securityQuestion2: '3', securityAnswer2: 'Lisbon' };
const context = passwordContextFor('meredith.lee@example.com', 'Safe');

describe('validators/portal: readChangePassword', () => {
  it('answers the current password and the new one, exactly as typed', () => {
    expect(readChangePassword({ currentPassword: ` ${CURRENT}`, password: NEW, confirmPassword: NEW }, context)).to.deep.equal({
      ok: true,
      value: { currentPassword: ` ${CURRENT}`, password: NEW },
    });
  });

  it('gives every problem in page order (current, new, confirmation), linked to their fields, keeping no values', () => {
    expect(readChangePassword({}, context)).to.deep.equal({
      ok: false,
      errors: {
        summary: [
          { text: 'Enter your current password', href: '#field-currentPassword' },
          { text: 'Enter a password', href: '#field-password' },
          { text: 'Confirm your password', href: '#field-confirmPassword' },
        ],
        fields: { currentPassword: 'Enter your current password', password: 'Enter a password', confirmPassword: 'Confirm your password' },
      },
      values: {},
    });
  });

  it('never draws back any of the three passwords', () => {
    const result = readChangePassword({ currentPassword: CURRENT, password: NEW, confirmPassword: 'a different one here' }, context);
    expect(result).to.deep.equal({
      ok: false,
      errors: { summary: [{ text: 'The passwords do not match', href: '#field-confirmPassword' }], fields: { confirmPassword: 'The passwords do not match' } },
      values: {},
    });
  });

  it('applies the password rules to the new password only', () => {
    expect(readChangePassword({ currentPassword: 'short', password: 'tiny', confirmPassword: 'tiny' }, context)).to.deep.equal({
      ok: false,
      errors: {
        summary: [{ text: 'Password must be at least 12 characters', href: '#field-password' }],
        fields: { password: 'Password must be at least 12 characters' },
      },
      values: {},
    });
    const common = readChangePassword({ currentPassword: CURRENT, password: 'password123456', confirmPassword: 'password123456' }, context);
    expect(!common.ok && common.errors.fields).to.deep.equal({ password: 'This password is too common or easy to guess: choose a different one' });
    const named = readChangePassword({ currentPassword: CURRENT, password: 'meredith by the lake', confirmPassword: 'meredith by the lake' }, context);
    expect(!named.ok && named.errors.fields).to.deep.equal({ password: 'Choose a password that does not contain your name, email address or company' });
  });

  it('treats a current password sent as an array or an object as missing', () => {
    for (const currentPassword of [[CURRENT, CURRENT], { p: CURRENT }]) {
      const result = readChangePassword({ currentPassword, password: NEW, confirmPassword: NEW }, context);
      expect(!result.ok && result.errors.fields).to.deep.equal({ currentPassword: 'Enter your current password' });
    }
  });
});

describe('validators/portal: readChangeSecurityQuestions', () => {
  it('answers the current password and the two new questions with their answers', () => {
    expect(readChangeSecurityQuestions({ ...questions, currentPassword: CURRENT }, QUESTION_IDS)).to.deep.equal({
      ok: true,
      value: { currentPassword: CURRENT, answers: { question1Id: 7, answer1: 'Rex', question2Id: 3, answer2: 'Lisbon' } },
    });
  });

  it('gives every problem in page order (the questions, then the current password), linked to their fields', () => {
    expect(readChangeSecurityQuestions({}, QUESTION_IDS)).to.deep.equal({
      ok: false,
      errors: {
        summary: [
          { text: 'Choose security question 1', href: '#field-securityQuestion1' },
          { text: 'Enter answer 1', href: '#field-securityAnswer1' },
          { text: 'Choose security question 2', href: '#field-securityQuestion2' },
          { text: 'Enter answer 2', href: '#field-securityAnswer2' },
          { text: 'Enter your current password', href: '#field-currentPassword' },
        ],
        fields: {
          securityQuestion1: 'Choose security question 1',
          securityAnswer1: 'Enter answer 1',
          securityQuestion2: 'Choose security question 2',
          securityAnswer2: 'Enter answer 2',
          currentPassword: 'Enter your current password',
        },
      },
      values: { securityQuestion1: '', securityAnswer1: '', securityQuestion2: '', securityAnswer2: '' },
    });
  });

  it('refuses the same question twice and draws back the questions and answers, never the password', () => {
    expect(readChangeSecurityQuestions({ ...questions, securityQuestion2: '7', currentPassword: CURRENT }, QUESTION_IDS)).to.deep.equal({
      ok: false,
      errors: {
        summary: [{ text: 'Choose a security question 2 that is different from security question 1', href: '#field-securityQuestion2' }],
        fields: { securityQuestion2: 'Choose a security question 2 that is different from security question 1' },
      },
      values: { ...questions, securityQuestion2: '7' },
    });
  });

  it('refuses question ids the list does not hold', () => {
    const result = readChangeSecurityQuestions({ ...questions, securityQuestion1: '99', currentPassword: CURRENT }, QUESTION_IDS);
    expect(!result.ok && result.errors.fields).to.deep.equal({ securityQuestion1: 'Choose security question 1' });
  });

  it('refuses an answer longer than 100 characters', () => {
    const result = readChangeSecurityQuestions({ ...questions, securityAnswer2: 'x'.repeat(101), currentPassword: CURRENT }, QUESTION_IDS);
    expect(!result.ok && result.errors.fields).to.deep.equal({ securityAnswer2: 'Answer 2 must be 100 characters or fewer' });
  });
});

describe('validators/portal: readForgotPassword', () => {
  it('answers the email address, trimmed', () => {
    expect(readForgotPassword({ email: ' meredith.lee@example.com ' })).to.deep.equal({ ok: true, value: 'meredith.lee@example.com' });
  });

  it('asks for the email address when empty, missing, an array or an object', () => {
    const failed = {
      ok: false,
      errors: { summary: [{ text: 'Enter the email address', href: '#field-email' }], fields: { email: 'Enter the email address' } },
      values: { email: '' },
    };
    expect(readForgotPassword({ email: '' })).to.deep.equal(failed);
    expect(readForgotPassword(undefined)).to.deep.equal(failed);
    expect(readForgotPassword({ email: ['a@example.com'] })).to.deep.equal(failed);
    expect(readForgotPassword({ email: { a: 'a@example.com' } })).to.deep.equal(failed);
  });

  it('refuses an address in the wrong format and draws it back', () => {
    const message = 'Enter the email address in the correct format, like name@example.com';
    expect(readForgotPassword({ email: 'meredith' })).to.deep.equal({
      ok: false,
      errors: { summary: [{ text: message, href: '#field-email' }], fields: { email: message } },
      values: { email: 'meredith' },
    });
  });

  // Found by these tests and fixed: a value over the limit is refused or cleaned, never cut or kept.
  it('refuses an address longer than 254 characters rather than cutting it', () => {
    const email = `${'a'.repeat(240)}@example.com.example`;
    const result = readForgotPassword({ email });
    expect(result.ok).to.equal(false);
  });
});

describe('validators/portal: readResetAnswer', () => {
  it('answers the answer as typed, trimmed (answers are normalised when hashed and checked)', () => {
    expect(readResetAnswer({ answer: '  Rex the  Dog ' })).to.deep.equal({ ok: true, value: 'Rex the  Dog' });
  });

  it('asks for the answer when empty, missing, an array or an object, and draws nothing back', () => {
    const failed = { ok: false, errors: { summary: [{ text: 'Enter your answer', href: '#field-answer' }], fields: { answer: 'Enter your answer' } }, values: {} };
    expect(readResetAnswer({ answer: '   ' })).to.deep.equal(failed);
    expect(readResetAnswer(undefined)).to.deep.equal(failed);
    expect(readResetAnswer({ answer: ['Rex'] })).to.deep.equal(failed);
    expect(readResetAnswer({ answer: { a: 'Rex' } })).to.deep.equal(failed);
  });

  it('caps the answer at 150 characters rather than refusing it (a long answer is simply wrong)', () => {
    expect(readResetAnswer({ answer: 'r'.repeat(400) })).to.deep.equal({ ok: true, value: 'r'.repeat(150) });
  });
});
