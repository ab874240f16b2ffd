import { expect } from 'chai';
import * as format from '../../lib/views/format.ts';

describe('format (how dates and sizes read on the page)', () => {
  it('writes an instant as its UTC day, the same text as that calendar day', () => {
    expect(format.date(new Date('2026-12-31T23:30:00Z'))).to.equal('31 December 2026');
    expect(format.date('2026-12-31')).to.equal('31 December 2026');
    expect(format.date(new Date('not a date'))).to.equal('');
    expect(format.date(null)).to.equal('');
  });

  it('names the UTC calendar month of an instant', () => {
    expect(format.month(new Date('2026-12-31T23:30:00Z'))).to.equal('December 2026');
    expect(format.month(new Date('2027-01-01T00:30:00+02:00'))).to.equal('December 2026');
  });

  it('writes data sizes with two decimals below 10, one below 100, none above', () => {
    expect(format.bytes(1_554_000_000)).to.equal('1.55 GB');
    expect(format.bytes(15_540_000_000)).to.equal('15.5 GB');
    expect(format.bytes(155_400_000_000)).to.equal('155 GB');
    expect(format.bytes(1_000)).to.equal('1 KB');
  });
});
