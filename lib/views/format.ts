// How dates, money and ages read on the page. Used by views through `format`. Each Intl
// formatter is made once: making one costs ~120 µs and leaves ICU's allocations behind (the
// Orders page, making one a view, took the app's malloc heap from 9 to 55 MB under load).

const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

// Lists show the same few hundred days over and over; Intl formatting is not cheap.
const formattedDays = new Map<string, string>();

// A 'YYYY-MM-DD' calendar day, or an instant shown as its UTC day.
export function date(value: string | Date | null | undefined): string {
  if (!value) return '';
  if (typeof value !== 'string' && Number.isNaN(value.getTime())) return '';
  // An instant is shown as its UTC day, and that day is formatted once like any other.
  const day = typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10);
  let text = formattedDays.get(day);
  if (text === undefined) {
    const d = new Date(`${day}T00:00:00Z`);
    text = Number.isNaN(d.getTime()) ? '' : dayFormat.format(d);
    if (formattedDays.size > 5000) formattedDays.clear();
    formattedDays.set(day, text);
  }
  return text;
}

// "December 2026": the calendar month (UTC) of an instant.
export function month(value: Date): string {
  return monthFormat.format(value);
}

export function dateTime(value: Date | string | null | undefined): string {
  if (!value) return '';
  const d = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? '' : dateTimeFormat.format(d);
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

// Integer cents in the given ISO 4217 currency (the order's, or CURRENCY's).
export function money(cents: number, currency = 'USD'): string {
  let formatter = moneyFormats.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    moneyFormats.set(currency, formatter);
  }
  return formatter.format(cents / 100);
}

export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}

// "2 hours ago", "5 days ago": the largest whole unit.
export function ago(value: Date | string, now: Date = new Date()): string {
  const then = typeof value === 'string' ? new Date(value) : value;
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 60) return 'just now';
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size) return `${count(Math.floor(seconds / size), name)} ago`;
  }
  return 'just now';
}

const BYTE_UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
// Two decimals below 10, one below 100, none above: "1.55 GB", "15.5 GB", "155 GB".
const byteValueFormats = [2, 1, 0].map((digits) => new Intl.NumberFormat('en-US', { maximumFractionDigits: digits }));

// Data sizes in decimal units, as backup products and disks state them: "1.5 GB", "2.25 TB".
export function bytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 bytes';
  const unit = Math.min(BYTE_UNITS.length - 1, Math.floor(Math.log10(n) / 3));
  if (unit === 0) return count(n, 'byte');
  const value = n / 10 ** (unit * 3);
  return `${byteValueFormats[value < 10 ? 0 : value < 100 ? 1 : 2].format(value)} ${BYTE_UNITS[unit]}`;
}
