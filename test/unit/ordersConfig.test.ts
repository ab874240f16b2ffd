import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../lib/boot/config.ts';

const base = { NODE_ENV: 'test' };

describe('config: CURRENCY, RENEWAL_CHECK_SECONDS and AUTO_RENEW_DAYS_BEFORE', () => {
  it('defaults to USD, a check every 60 seconds and renewals 7 days before the end', () => {
    const config = loadConfig(base);
    expect(config).to.include({ currency: 'USD', renewalCheckSeconds: 60, autoRenewDaysBefore: 7 });
  });

  it('takes an ISO 4217 currency in any case, and refuses anything else with one line naming it', () => {
    expect(loadConfig({ ...base, CURRENCY: 'eur' }).currency).to.equal('EUR');
    for (const bad of ['EURO', 'E1R', 'ZZZ', '$']) {
      expect(() => loadConfig({ ...base, CURRENCY: bad })).to.throw(ConfigError, /^CURRENCY must be an ISO 4217 currency code/);
    }
  });

  it('range-checks the renewal job’s settings', () => {
    expect(loadConfig({ ...base, RENEWAL_CHECK_SECONDS: '5', AUTO_RENEW_DAYS_BEFORE: '0' })).to.include({ renewalCheckSeconds: 5, autoRenewDaysBefore: 0 });
    expect(() => loadConfig({ ...base, RENEWAL_CHECK_SECONDS: '0' })).to.throw(ConfigError, /^RENEWAL_CHECK_SECONDS must be between 1 and 86400/);
    expect(() => loadConfig({ ...base, AUTO_RENEW_DAYS_BEFORE: '61' })).to.throw(ConfigError, /^AUTO_RENEW_DAYS_BEFORE must be between 0 and 60/);
    expect(() => loadConfig({ ...base, AUTO_RENEW_DAYS_BEFORE: 'a week' })).to.throw(ConfigError, /^AUTO_RENEW_DAYS_BEFORE must be a whole number/);
  });
});
