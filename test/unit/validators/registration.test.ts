import { expect } from 'chai';
import {
  ANSWER_MAX_LENGTH,
  NAME_MAX_LENGTH,
  newPasswordPart,
  passwordContextFor,
  phoneProblem,
  readAccountForm,
  readComputerForm,
  readNewPassword,
  readPersonalForm,
  securityQuestionsPart,
} from '../../../validators/registration.ts';

const PASSWORD = 'quiet lake at dusk';
const QUESTION_IDS = [3, 7, 12];
const questions = { securityQuestion1: '3', securityAnswer1: 'Rex', securityQuestion2: '12', securityAnswer2: 'Lisbon' };
const context = passwordContextFor('meredith.lee@example.com', 'Safe');

const errorsOf = (result: { ok: boolean; errors?: { fields: Record<string, string> } }) => (result.ok ? {} : result.errors!.fields);

describe('validators/registration: readComputerForm', () => {
  it('answers the serial number and computer name, trimmed', () => {
    expect(readComputerForm({ serialNumber: ' CB1234-ACDE-FGHJ ', computerName: ' Front desk PC ' })).to.deep.equal({
      ok: true,
      value: { serialNumber: 'CB1234-ACDE-FGHJ', computerName: 'Front desk PC' },
    });
  });

  it('is satisfied by either one alone', () => {
    expect(readComputerForm({ serialNumber: 'CB1234-ACDE-FGHJ' })).to.deep.equal({ ok: true, value: { serialNumber: 'CB1234-ACDE-FGHJ', computerName: '' } });
    expect(readComputerForm({ computerName: 'Front desk PC' })).to.deep.equal({ ok: true, value: { serialNumber: '', computerName: 'Front desk PC' } });
  });

  it('asks for one of them when both are empty, linking to the serial number', () => {
    const failed = {
      ok: false,
      errors: {
        summary: [{ text: 'Enter the serial number or the computer name', href: '#field-serialNumber' }],
        fields: { serialNumber: 'Enter the serial number or the computer name' },
      },
      values: { serialNumber: '', computerName: '' },
    };
    expect(readComputerForm({ serialNumber: ' ', computerName: '\u0000' })).to.deep.equal(failed);
    expect(readComputerForm(undefined)).to.deep.equal(failed);
    expect(readComputerForm({ serialNumber: ['CB1234-ACDE-FGHJ'], computerName: { name: 'PC' } })).to.deep.equal(failed);
  });

  it('caps the serial number at 40 characters and the computer name at 255', () => {
    expect(readComputerForm({ serialNumber: 's'.repeat(50), computerName: 'c'.repeat(300) })).to.deep.equal({
      ok: true,
      value: { serialNumber: 's'.repeat(40), computerName: 'c'.repeat(255) },
    });
  });
});

describe('validators/registration: passwordContextFor', () => {
  it('lists the email’s name part, its pieces, the brand and the names given', () => {
    expect(passwordContextFor('meredith.lee@example.com', 'Safe', 'Meredith', 'Lee')).to.deep.equal([
      'meredith.lee',
      'Safe',
      'meredith',
      'lee',
      'Meredith',
      'Lee',
    ]);
  });

  it('leaves out empty words', () => {
    expect(passwordContextFor('a+@example.com', 'Safe', '', ' ')).to.deep.equal(['a+', 'Safe', 'a']);
  });
});

describe('validators/registration: readNewPassword and newPasswordPart', () => {
  it('answers the password exactly as typed when both fields match and it follows the rules', () => {
    expect(readNewPassword({ password: ` ${PASSWORD} `, confirmPassword: ` ${PASSWORD} ` }, context)).to.deep.equal({ ok: true, value: ` ${PASSWORD} ` });
  });

  it('asks for both fields when empty, in page order, keeping no values at all', () => {
    expect(readNewPassword({}, context)).to.deep.equal({
      ok: false,
      errors: {
        summary: [
          { text: 'Enter a password', href: '#field-password' },
          { text: 'Confirm your password', href: '#field-confirmPassword' },
        ],
        fields: { password: 'Enter a password', confirmPassword: 'Confirm your password' },
      },
      values: {},
    });
  });

  it('says when the two passwords do not match, and draws neither back', () => {
    expect(readNewPassword({ password: PASSWORD, confirmPassword: `${PASSWORD}!` }, context)).to.deep.equal({
      ok: false,
      errors: {
        summary: [{ text: 'The passwords do not match', href: '#field-confirmPassword' }],
        fields: { confirmPassword: 'The passwords do not match' },
      },
      values: {},
    });
  });

  it('counts spaces: a password and its confirmation differing only in spaces do not match', () => {
    expect(errorsOf(readNewPassword({ password: PASSWORD, confirmPassword: `${PASSWORD} ` }, context))).to.deep.equal({ confirmPassword: 'The passwords do not match' });
  });

  it('refuses a password shorter than 12 characters and accepts 12', () => {
    expect(errorsOf(readNewPassword({ password: 'tidal wave!', confirmPassword: 'tidal wave!' }, context))).to.deep.equal({ password: 'Password must be at least 12 characters' });
    expect(readNewPassword({ password: 'tidal waves!', confirmPassword: 'tidal waves!' }, context)).to.deep.equal({ ok: true, value: 'tidal waves!' });
  });

  it('counts characters, not UTF-16 units: six emoji are six characters', () => {
    const emoji = '🌊🌊🌊🌊🌊🌊';
    expect(emoji.length).to.equal(12);
    expect(errorsOf(readNewPassword({ password: emoji, confirmPassword: emoji }, context))).to.deep.equal({ password: 'Password must be at least 12 characters' });
  });

  it('refuses a password longer than 256 characters and accepts 256', () => {
    const long = 'a quiet lake at dusk '.repeat(13);
    expect(errorsOf(readNewPassword({ password: long.slice(0, 257), confirmPassword: long.slice(0, 257) }, context))).to.deep.equal({
      password: 'Password must be 256 characters or fewer',
    });
    expect(readNewPassword({ password: long.slice(0, 256), confirmPassword: long.slice(0, 256) }, context)).to.deep.equal({ ok: true, value: long.slice(0, 256) });
  });

  // lib/auth/passwords.ts pre-hashes with SHA-256, so bcrypt's 72-byte limit is no rule here:
  // a long multi-byte password is accepted whole, not cut or refused.
  it('accepts passwords of more than 72 bytes whole (no bcrypt 72-byte rule)', () => {
    const password = 'ünïcödé quiet lake at dusk, with ümlauts everywhere in it, and a little more';
    expect(Buffer.byteLength(password)).to.be.greaterThan(72);
    expect(readNewPassword({ password, confirmPassword: password }, context)).to.deep.equal({ ok: true, value: password });
  });

  it('refuses a common password, with or without digits stuck on', () => {
    const common = 'This password is too common or easy to guess: choose a different one';
    for (const password of ['password123456', 'qwertyuiop123', 'aaaaaaaaaaaaaa']) {
      expect(errorsOf(readNewPassword({ password, confirmPassword: password }, context)), password).to.deep.equal({ password: common });
    }
  });

  it('refuses a password containing the email’s name part, its pieces or the brand', () => {
    const message = { password: 'Choose a password that does not contain your name, email address or company' };
    for (const password of ['meredith quiet lake', 'MEREDITH.LEE rocks on', 'dusk at the lake safe house']) {
      expect(errorsOf(readNewPassword({ password, confirmPassword: password }, context)), password).to.deep.equal(message);
    }
  });

  it('reports the password and the confirmation separately when both are wrong', () => {
    expect(errorsOf(readNewPassword({ password: 'short', confirmPassword: 'other' }, context))).to.deep.equal({
      password: 'Password must be at least 12 characters',
      confirmPassword: 'The passwords do not match',
    });
  });

  it('treats arrays and objects instead of strings as empty', () => {
    expect(errorsOf(readNewPassword({ password: [PASSWORD, PASSWORD], confirmPassword: { a: PASSWORD } }, context))).to.deep.equal({
      password: 'Enter a password',
      confirmPassword: 'Confirm your password',
    });
  });

  it('newPasswordPart keeps no values, and its value is the password', () => {
    const part = newPasswordPart({ password: PASSWORD, confirmPassword: PASSWORD }, context);
    expect(part.values).to.deep.equal({});
    expect(part.problems).to.deep.equal({ password: undefined, confirmPassword: undefined });
    expect(part.value()).to.equal(PASSWORD);
  });
});

describe('validators/registration: securityQuestionsPart', () => {
  it('answers the two known, different questions and the answers as typed (trimmed)', () => {
    const part = securityQuestionsPart({ ...questions, securityAnswer1: '  Rex ' }, QUESTION_IDS);
    expect(part.problems).to.deep.equal({ securityQuestion1: undefined, securityAnswer1: undefined, securityQuestion2: undefined, securityAnswer2: undefined });
    expect(part.value()).to.deep.equal({ question1Id: 3, answer1: 'Rex', question2Id: 12, answer2: 'Lisbon' });
    expect(part.values).to.deep.equal(questions);
  });

  it('asks for both questions and both answers when empty, in page order', () => {
    expect(securityQuestionsPart({}, QUESTION_IDS).problems).to.deep.equal({
      securityQuestion1: 'Choose security question 1',
      securityAnswer1: 'Enter answer 1',
      securityQuestion2: 'Choose security question 2',
      securityAnswer2: 'Enter answer 2',
    });
  });

  it('refuses the same question twice, on question 2', () => {
    expect(securityQuestionsPart({ ...questions, securityQuestion2: '3' }, QUESTION_IDS).problems).to.deep.equal({
      securityQuestion1: undefined,
      securityAnswer1: undefined,
      securityQuestion2: 'Choose a security question 2 that is different from security question 1',
      securityAnswer2: undefined,
    });
  });

  it('sees the same question written differently as the same question', () => {
    expect(securityQuestionsPart({ ...questions, securityQuestion2: '03' }, QUESTION_IDS).problems.securityQuestion2).to.equal(
      'Choose a security question 2 that is different from security question 1',
    );
  });

  it('refuses question ids that are unknown, not whole numbers, arrays or objects', () => {
    for (const id of ['4', '0', '-3', '3.0', 'x', '', ['3'], { id: '3' }]) {
      const problems = securityQuestionsPart({ ...questions, securityQuestion1: id }, QUESTION_IDS).problems;
      expect(problems.securityQuestion1, JSON.stringify(id)).to.equal('Choose security question 1');
      expect(problems.securityQuestion2, JSON.stringify(id)).to.equal(undefined);
    }
  });

  it(`accepts answers of ${ANSWER_MAX_LENGTH} characters and refuses longer ones`, () => {
    const fine = 'a'.repeat(ANSWER_MAX_LENGTH);
    const part = securityQuestionsPart({ ...questions, securityAnswer1: fine, securityAnswer2: fine }, QUESTION_IDS);
    expect(part.problems).to.deep.equal({ securityQuestion1: undefined, securityAnswer1: undefined, securityQuestion2: undefined, securityAnswer2: undefined });
    expect(part.value().answer1).to.equal(fine);
    const problems = securityQuestionsPart({ ...questions, securityAnswer1: `${fine}a`, securityAnswer2: `${fine}b` }, QUESTION_IDS).problems;
    expect(problems.securityAnswer1).to.equal('Answer 1 must be 100 characters or fewer');
    expect(problems.securityAnswer2).to.equal('Answer 2 must be 100 characters or fewer');
  });

  it('keeps an answer of 70 emoji whole (140 UTF-16 units, within the cap)', () => {
    const part = securityQuestionsPart({ ...questions, securityAnswer2: '😀'.repeat(70) }, QUESTION_IDS);
    expect(part.problems.securityAnswer2).to.equal(undefined);
    expect(part.value().answer2).to.equal('😀'.repeat(70));
  });

  // Found by these tests and fixed: a value over the limit is refused or cleaned, never cut or kept.
  it('refuses an answer of 101 emoji and keeps an answer of 100 emoji whole', () => {
    const emoji = '😀'.repeat(ANSWER_MAX_LENGTH);
    expect(securityQuestionsPart({ ...questions, securityAnswer1: emoji }, QUESTION_IDS).value().answer1).to.equal(emoji);
    expect(securityQuestionsPart({ ...questions, securityAnswer1: `${emoji}😀` }, QUESTION_IDS).problems.securityAnswer1).to.equal('Answer 1 must be 100 characters or fewer');
  });

  it('allows the same answer to both questions', () => {
    expect(securityQuestionsPart({ ...questions, securityAnswer2: 'Rex' }, QUESTION_IDS).value()).to.deep.equal({ question1Id: 3, answer1: 'Rex', question2Id: 12, answer2: 'Rex' });
  });
});

describe('validators/registration: readAccountForm (Safe)', () => {
  const body = { password: PASSWORD, confirmPassword: PASSWORD, ...questions };

  it('answers the password and the security answers', () => {
    expect(readAccountForm(body, QUESTION_IDS, context)).to.deep.equal({
      ok: true,
      value: { question1Id: 3, answer1: 'Rex', question2Id: 12, answer2: 'Lisbon', password: PASSWORD },
    });
  });

  it('gives every problem in page order (password, confirmation, then the questions), linked to their fields', () => {
    const result = readAccountForm({}, QUESTION_IDS, context);
    expect(result.ok).to.equal(false);
    if (!result.ok) {
      expect(result.errors.summary).to.deep.equal([
        { text: 'Enter a password', href: '#field-password' },
        { text: 'Confirm your password', href: '#field-confirmPassword' },
        { text: 'Choose security question 1', href: '#field-securityQuestion1' },
        { text: 'Enter answer 1', href: '#field-securityAnswer1' },
        { text: 'Choose security question 2', href: '#field-securityQuestion2' },
        { text: 'Enter answer 2', href: '#field-securityAnswer2' },
      ]);
    }
  });

  it('draws back the questions and answers but never a password', () => {
    expect(readAccountForm({ ...body, confirmPassword: 'something else entirely' }, QUESTION_IDS, context)).to.deep.equal({
      ok: false,
      errors: { summary: [{ text: 'The passwords do not match', href: '#field-confirmPassword' }], fields: { confirmPassword: 'The passwords do not match' } },
      values: questions,
    });
  });

  it('refuses the same security question twice', () => {
    expect(errorsOf(readAccountForm({ ...body, securityQuestion2: '3' }, QUESTION_IDS, context))).to.deep.equal({
      securityQuestion2: 'Choose a security question 2 that is different from security question 1',
    });
  });
});

describe('validators/registration: readPersonalForm (Safe Backup Pro)', () => {
  const body = { firstName: ' Meredith ', lastName: 'Lee', phone: '+1 555 010 0199', password: PASSWORD, confirmPassword: PASSWORD, ...questions };

  it('answers the names, the phone, the password and the security answers', () => {
    expect(readPersonalForm(body, QUESTION_IDS, context)).to.deep.equal({
      ok: true,
      value: { question1Id: 3, answer1: 'Rex', question2Id: 12, answer2: 'Lisbon', password: PASSWORD, firstName: 'Meredith', lastName: 'Lee', phone: '+1 555 010 0199' },
    });
  });

  it('lets the phone be left empty', () => {
    const result = readPersonalForm({ ...body, phone: '' }, QUESTION_IDS, context);
    expect(result.ok && result.value.phone).to.equal('');
  });

  it('gives every problem in page order, linked to their fields, and keeps no password', () => {
    expect(readPersonalForm({ phone: 'call me' }, QUESTION_IDS, context)).to.deep.equal({
      ok: false,
      errors: {
        summary: [
          { text: 'Enter your first name', href: '#field-firstName' },
          { text: 'Enter your last name', href: '#field-lastName' },
          { text: 'Enter a phone number using digits, like 555 010 0199 or +1 555 010 0199', href: '#field-phone' },
          { text: 'Enter a password', href: '#field-password' },
          { text: 'Confirm your password', href: '#field-confirmPassword' },
          { text: 'Choose security question 1', href: '#field-securityQuestion1' },
          { text: 'Enter answer 1', href: '#field-securityAnswer1' },
          { text: 'Choose security question 2', href: '#field-securityQuestion2' },
          { text: 'Enter answer 2', href: '#field-securityAnswer2' },
        ],
        fields: {
          firstName: 'Enter your first name',
          lastName: 'Enter your last name',
          phone: 'Enter a phone number using digits, like 555 010 0199 or +1 555 010 0199',
          password: 'Enter a password',
          confirmPassword: 'Confirm your password',
          securityQuestion1: 'Choose security question 1',
          securityAnswer1: 'Enter answer 1',
          securityQuestion2: 'Choose security question 2',
          securityAnswer2: 'Enter answer 2',
        },
      },
      values: { firstName: '', lastName: '', phone: 'call me', securityQuestion1: '', securityAnswer1: '', securityQuestion2: '', securityAnswer2: '' },
    });
  });

  it('draws back every value typed except the passwords', () => {
    const result = readPersonalForm({ ...body, confirmPassword: 'not the same one' }, QUESTION_IDS, context);
    expect(result.ok).to.equal(false);
    if (!result.ok) {
      expect(result.values).to.deep.equal({ firstName: 'Meredith', lastName: 'Lee', phone: '+1 555 010 0199', ...questions });
      expect(JSON.stringify(result)).not.to.include(PASSWORD);
      expect(JSON.stringify(result)).not.to.include('not the same one');
    }
  });

  it(`accepts names of ${NAME_MAX_LENGTH} characters and refuses longer ones`, () => {
    const name = 'n'.repeat(NAME_MAX_LENGTH);
    expect(errorsOf(readPersonalForm({ ...body, firstName: name, lastName: name }, QUESTION_IDS, context))).to.deep.equal({});
    expect(errorsOf(readPersonalForm({ ...body, firstName: `${name}n`, lastName: `${name}n` }, QUESTION_IDS, context))).to.deep.equal({
      firstName: 'First name must be 100 characters or fewer',
      lastName: 'Last name must be 100 characters or fewer',
    });
  });

  // Found by these tests and fixed: a value over the limit is refused or cleaned, never cut or kept.
  it('refuses a first name of 101 emoji rather than cutting it to 75', () => {
    expect(errorsOf(readPersonalForm({ ...body, firstName: '😀'.repeat(NAME_MAX_LENGTH + 1) }, QUESTION_IDS, context))).to.deep.equal({
      firstName: 'First name must be 100 characters or fewer',
    });
  });

  it('treats arrays and objects instead of names as empty', () => {
    expect(errorsOf(readPersonalForm({ ...body, firstName: ['Meredith'], lastName: { last: 'Lee' } }, QUESTION_IDS, context))).to.deep.equal({
      firstName: 'Enter your first name',
      lastName: 'Enter your last name',
    });
  });

  it('refuses a password containing the first or last name typed on the same form', () => {
    const password = 'quiet lake of Gwendolyn';
    const message = { password: 'Choose a password that does not contain your name, email address or company' };
    expect(errorsOf(readPersonalForm({ ...body, firstName: 'Gwendolyn', password, confirmPassword: password }, QUESTION_IDS, context))).to.deep.equal(message);
    expect(errorsOf(readPersonalForm({ ...body, lastName: 'Gwendolyn', password, confirmPassword: password }, QUESTION_IDS, context))).to.deep.equal(message);
    expect(errorsOf(readPersonalForm({ ...body, password, confirmPassword: password }, QUESTION_IDS, context))).to.deep.equal({});
  });
});

describe('validators/registration: phoneProblem', () => {
  const message = 'Enter a phone number using digits, like 555 010 0199 or +1 555 010 0199';

  it('accepts an empty phone and numbers with the usual separators', () => {
    for (const phone of ['', '555 010 0199', '+1 555 010 0199', '(555) 010-0199', '555.010.0199', '123456', '+123456789012345']) {
      expect(phoneProblem(phone), phone).to.equal(undefined);
    }
  });

  it('refuses letters, a + anywhere but first, fewer than 6 digits or more than 15', () => {
    for (const phone of ['call me', '555 010 0199 ext 2', '555+0100199', '12345', '+1234567890123456', '--- ---']) {
      expect(phoneProblem(phone), phone).to.equal(message);
    }
  });
});
