import { expect } from 'chai';
import { bearerToken, CLOCK_SKEW_MINUTES, COMPUTER_NAME_MAX, readActivation, readBackupReport } from '../../../validators/api.ts';

const activation = { keyCode: 'ACDE-FGHJ-KMNP-QRTU', computerName: 'Front desk PC', platform: 'windows' };

// What one invalid field answers: 422, its message, and the message again under its name.
const invalidField = (name: string, message: string) => ({ problem: { status: 422, error: 'invalid_fields', message, fields: { [name]: message } } });

describe('validators/api: readActivation', () => {
  it('answers the key code as typed, the computer name trimmed and the platform in lower case', () => {
    expect(readActivation(activation)).to.deep.equal({ value: activation });
    expect(readActivation({ keyCode: 'acde fghj kmnp qrtu', computerName: '  Front desk PC  ', platform: ' Mac ' })).to.deep.equal({
      value: { keyCode: 'acde fghj kmnp qrtu', computerName: 'Front desk PC', platform: 'mac' },
    });
  });

  it('ignores fields it does not know, so newer clients still work', () => {
    expect(readActivation({ ...activation, osVersion: '14.2', extra: { a: 1 } })).to.deep.equal({ value: activation });
  });

  it('answers 400 when the body is not a JSON object: missing, null, an array, a string', () => {
    const notAnObject = { problem: { status: 400, error: 'invalid_request', message: 'The request body must be a JSON object with keyCode, computerName and platform.' } };
    for (const body of [undefined, null, [activation], 'keyCode=x', 42]) {
      expect(readActivation(body), JSON.stringify(body)).to.deep.equal(notAnObject);
    }
  });

  it('names every missing field, in order, joined in one message', () => {
    expect(readActivation({})).to.deep.equal({
      problem: {
        status: 422,
        error: 'invalid_fields',
        message: 'keyCode is missing. computerName is missing. platform is missing.',
        fields: { keyCode: 'keyCode is missing.', computerName: 'computerName is missing.', platform: 'platform is missing.' },
      },
    });
    expect(readActivation({ keyCode: null, computerName: null, platform: null })).to.deep.equal(readActivation({}));
  });

  it('says which fields are not strings: numbers, arrays, objects, booleans', () => {
    expect(readActivation({ keyCode: 1234, computerName: ['PC'], platform: { os: 'mac' } })).to.deep.equal({
      problem: {
        status: 422,
        error: 'invalid_fields',
        message: 'keyCode must be a string. computerName must be a string. platform must be a string.',
        fields: { keyCode: 'keyCode must be a string.', computerName: 'computerName must be a string.', platform: 'platform must be a string.' },
      },
    });
    expect(readActivation({ ...activation, computerName: true })).to.deep.equal(invalidField('computerName', 'computerName must be a string.'));
  });

  it('refuses key codes that are empty, not 16 letters and digits, or use letters key codes never have', () => {
    const shape = 'keyCode must be a key code of 16 letters and digits, like ACDE-FGHJ-KMNP-QRTU.';
    expect(readActivation({ ...activation, keyCode: '   ' })).to.deep.equal(invalidField('keyCode', 'keyCode is empty.'));
    for (const keyCode of ['ACDE-FGHJ-KMNP', 'ACDE-FGHJ-KMNP-QRTUV', 'ACDE-FGHJ-KMNP-QRT0', 'BBBB-FGHJ-KMNP-QRTU', 'ACDE_FGHJ_KMNP_QRTU']) {
      expect(readActivation({ ...activation, keyCode }), keyCode).to.deep.equal(invalidField('keyCode', shape));
    }
    expect(readActivation({ ...activation, keyCode: 'A'.repeat(65) })).to.deep.equal(invalidField('keyCode', 'keyCode must be 64 characters or fewer.'));
  });

  it(`accepts a computer name of ${COMPUTER_NAME_MAX} characters and refuses one more`, () => {
    const name = 'n'.repeat(COMPUTER_NAME_MAX);
    expect(readActivation({ ...activation, computerName: name })).to.deep.equal({ value: { ...activation, computerName: name } });
    expect(readActivation({ ...activation, computerName: `${name}n` })).to.deep.equal(invalidField('computerName', 'computerName must be 100 characters or fewer.'));
  });

  it('refuses an empty computer name and one with C0 or C1 control characters', () => {
    expect(readActivation({ ...activation, computerName: ' \t ' })).to.deep.equal(invalidField('computerName', 'computerName is empty.'));
    for (const computerName of ['Front\u0000desk', 'Front desk\n', 'Front\u007fdesk', 'Front\u0085desk', 'Front\u009fdesk']) {
      expect(readActivation({ ...activation, computerName }), JSON.stringify(computerName)).to.deep.equal(
        invalidField('computerName', 'computerName must not contain control characters.'),
      );
    }
  });

  it('refuses U+FFFD and lone surrogate halves as not UTF-8 text, but accepts whole emoji', () => {
    for (const computerName of ['Front\ufffddesk', 'Front\ud800desk', 'Front\udc00desk', 'desk\ud83d']) {
      expect(readActivation({ ...activation, computerName }), JSON.stringify(computerName)).to.deep.equal(invalidField('computerName', 'computerName must be valid UTF-8 text.'));
    }
    expect(readActivation({ ...activation, computerName: 'Front desk 🖥️' })).to.deep.equal({ value: { ...activation, computerName: 'Front desk 🖥️' } });
  });

  it('accepts only the platforms windows and mac', () => {
    expect(readActivation({ ...activation, platform: 'WINDOWS' })).to.deep.equal({ value: activation });
    for (const platform of ['linux', '', 'win', 'macos']) {
      expect(readActivation({ ...activation, platform }), platform).to.deep.equal(invalidField('platform', 'platform must be "windows" or "mac".'));
    }
  });
});

describe('validators/api: readBackupReport', () => {
  const now = new Date('2026-02-01T00:00:00Z');
  const report = { completedAt: '2026-01-31T22:15:00Z', bytes: 1_048_576, files: 312 };

  it('answers the time as a Date and the counts as numbers', () => {
    expect(readBackupReport(report, now)).to.deep.equal({ value: { completedAt: new Date('2026-01-31T22:15:00Z'), bytes: 1_048_576, files: 312 } });
  });

  it('reads times with offsets, fractions, no seconds, lower case and spaces around them', () => {
    const cases: [string, string][] = [
      ['2026-01-31T23:15:00+01:00', '2026-01-31T22:15:00.000Z'],
      ['2026-01-31T23:15:00+0100', '2026-01-31T22:15:00.000Z'],
      ['2026-01-31T17:15:00.250-05:00', '2026-01-31T22:15:00.250Z'],
      ['2026-01-31T22:15Z', '2026-01-31T22:15:00.000Z'],
      ['2026-01-31t22:15:00z', '2026-01-31T22:15:00.000Z'],
      [' 2026-01-31T22:15:00Z ', '2026-01-31T22:15:00.000Z'],
      ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ];
    for (const [completedAt, iso] of cases) {
      const read = readBackupReport({ ...report, completedAt }, now);
      expect(read.value?.completedAt.toISOString(), completedAt).to.equal(iso);
    }
  });

  it('refuses times without an offset, impossible days and hours, and other formats', () => {
    const message = 'completedAt must be an ISO 8601 time with its offset, like 2026-01-31T22:15:00Z.';
    for (const completedAt of ['2026-01-31T22:15:00', '2026-01-31', '2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-01-31T24:00:00Z', '2026-01-31T22:60:00Z', '2026-01-31T22:15:60Z', '2026-01-31T22:15:00+24:00', '31/01/2026 22:15', '1769897700', '']) {
      expect(readBackupReport({ ...report, completedAt }, now), completedAt).to.deep.equal(invalidField('completedAt', message));
    }
  });

  it(`accepts a time up to ${CLOCK_SKEW_MINUTES} minutes ahead of the server's clock and refuses one later`, () => {
    expect(readBackupReport({ ...report, completedAt: '2026-02-01T00:05:00Z' }, now).value?.completedAt.toISOString()).to.equal('2026-02-01T00:05:00.000Z');
    expect(readBackupReport({ ...report, completedAt: '2026-02-01T00:05:00.001Z' }, now)).to.deep.equal(
      invalidField('completedAt', 'completedAt is in the future: check the computer’s clock.'),
    );
  });

  it('answers 400 when the body is not a JSON object', () => {
    const notAnObject = { problem: { status: 400, error: 'invalid_request', message: 'The request body must be a JSON object with completedAt, bytes and files.' } };
    for (const body of [undefined, null, [report], '{}']) expect(readBackupReport(body, now)).to.deep.equal(notAnObject);
  });

  it('names every missing field, in order, joined in one message', () => {
    expect(readBackupReport({}, now)).to.deep.equal({
      problem: {
        status: 422,
        error: 'invalid_fields',
        message: 'completedAt is missing. bytes is missing. files is missing.',
        fields: { completedAt: 'completedAt is missing.', bytes: 'bytes is missing.', files: 'files is missing.' },
      },
    });
  });

  it('says which fields have the wrong JSON type', () => {
    expect(readBackupReport({ completedAt: 1769897700, bytes: '1024', files: [1] }, now)).to.deep.equal({
      problem: {
        status: 422,
        error: 'invalid_fields',
        message: 'completedAt must be a string. bytes must be a number. files must be a number.',
        fields: { completedAt: 'completedAt must be a string.', bytes: 'bytes must be a number.', files: 'files must be a number.' },
      },
    });
  });

  it('refuses counts that are fractions, negative or too large, and accepts zero and the largest allowed', () => {
    expect(readBackupReport({ ...report, bytes: 1.5 }, now)).to.deep.equal(invalidField('bytes', 'bytes must be a whole number.'));
    expect(readBackupReport({ ...report, files: -1 }, now)).to.deep.equal(invalidField('files', 'files must not be negative.'));
    expect(readBackupReport({ ...report, bytes: Number.MAX_SAFE_INTEGER + 1 }, now)).to.deep.equal(invalidField('bytes', `bytes must be at most ${Number.MAX_SAFE_INTEGER}.`));
    expect(readBackupReport({ ...report, files: 2_147_483_648 }, now)).to.deep.equal(invalidField('files', 'files must be at most 2147483647.'));
    expect(readBackupReport({ ...report, bytes: 0, files: 0 }, now).value).to.deep.include({ bytes: 0, files: 0 });
    expect(readBackupReport({ ...report, bytes: Number.MAX_SAFE_INTEGER, files: 2_147_483_647 }, now).value).to.deep.include({ bytes: Number.MAX_SAFE_INTEGER, files: 2_147_483_647 });
  });
});

describe('validators/api: bearerToken', () => {
  it('reads the token after Bearer, in any case, with spaces after it', () => {
    expect(bearerToken('Bearer abc.DEF_123-~+/=')).to.equal('abc.DEF_123-~+/=');
    expect(bearerToken('bearer   token ')).to.equal('token');
  });

  it('answers undefined for a missing header, another scheme, no token, or characters a token never has', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a b', 'Bearer tok,en', ' Bearer token', 'Bearertoken']) {
      expect(bearerToken(header), JSON.stringify(header)).to.equal(undefined);
    }
  });

  it('takes tokens up to 200 characters and refuses longer ones', () => {
    expect(bearerToken(`Bearer ${'t'.repeat(200)}`)).to.equal('t'.repeat(200));
    expect(bearerToken(`Bearer ${'t'.repeat(201)}`)).to.equal(undefined);
  });
});
