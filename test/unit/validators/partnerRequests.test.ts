import { expect } from 'chai';
import { readAddExistingCustomer } from '../../../validators/partnerRequests.ts';

describe('Add an existing customer form', () => {
  it('keeps the trimmed email address', () => {
    expect(readAddExistingCustomer({ email: '  casey@direct.example ' })).to.deep.equal({ ok: true, value: 'casey@direct.example' });
  });

  it('asks for an email address when there is none, or one that is not an email, and keeps what was typed', () => {
    const empty = readAddExistingCustomer({});
    expect(empty.ok).to.equal(false);
    if (!empty.ok) expect(empty.errors.fields.email).to.equal('Enter the customer’s email address');
    const wrong = readAddExistingCustomer({ email: 'casey at direct' });
    expect(wrong.ok).to.equal(false);
    if (!wrong.ok) {
      expect(wrong.errors.fields.email).to.match(/in the correct format/);
      expect(wrong.values.email).to.equal('casey at direct');
    }
  });
});
