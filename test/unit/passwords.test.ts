import { expect } from 'chai';
import bcrypt from 'bcrypt';
import { BCRYPT_COST, hashSecret, passwordProblem, verifySecret } from '../../lib/auth/passwords.ts';

describe('password rules', () => {
  it('refuses passwords shorter than 12 characters', () => {
    expect(passwordProblem('elevenchars')).to.match(/at least 12 characters/);
    expect(passwordProblem('twelve chars')).to.equal(undefined);
  });

  it('allows 128 characters and more, with no composition rules', () => {
    expect(passwordProblem('a quiet lake at dusk '.repeat(6).slice(0, 128))).to.equal(undefined);
    expect(passwordProblem('all lower case words here')).to.equal(undefined);
  });

  it('refuses passwords on the common-password list, with or without digits stuck on', () => {
    expect(passwordProblem('qwerty123456')).to.match(/too common/);
    expect(passwordProblem('1q2w3e4r5t6y')).to.match(/too common/);
    expect(passwordProblem('password123456')).to.match(/too common/);
    expect(passwordProblem('aaaaaaaaaaaaaa')).to.match(/too common/);
  });

  it('refuses a password that contains the email name or the company', () => {
    expect(passwordProblem('patricia-secret-99', ['patricia'])).to.match(/does not contain your name, email address or company/);
  });

  it('counts every character: passwords differing only after 72 bytes do not match', async function () {
    this.timeout(10_000);
    const base = 'x'.repeat(80);
    const hash = await hashSecret(`${base}A`);
    expect(await verifySecret(`${base}A`, hash)).to.equal(true);
    expect(await verifySecret(`${base}B`, hash)).to.equal(false);
  });

  it('hashes with bcrypt at cost 12 or more', async () => {
    const hash = await hashSecret('a perfectly fine passphrase');
    expect(bcrypt.getRounds(hash)).to.be.at.least(12);
    expect(BCRYPT_COST).to.be.at.least(12);
  });
});
