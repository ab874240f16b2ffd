// A CSV download streamed to the response: what spreadsheets read well, and half a file never
// passed off as a whole one.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';

// Callers read their first batch before calling this, so a failure there is an ordinary
// error page; rows after it are read only as fast as the partner downloads them.
export async function sendCsv(res: Response, filename: string, header: string[], rows: AsyncIterable<(string | number)[]>): Promise<void> {
  res.set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
  });
  // A byte order mark that says UTF-8, CRLF line ends, cells quoted when they hold a
  // separator, a quote, a line break or spaces at either end, and any cell a spreadsheet could
  // take for a formula (=, +, -, @, tab, CR) prefixed with '.
  const writer = stringify({
    bom: true,
    header: true,
    columns: header,
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    quoted_match: [/^\s|\s$/],
    escape_formulas: true,
  });
  try {
    // pipeline waits for the response to drain before reading on, and stops reading when the
    // partner goes away (the response closes early).
    await pipeline(Readable.from(rows), writer, res);
  } catch (error) {
    // Half a file must not look like a whole one: the connection is cut, and a partner who
    // left is no error.
    res.destroy();
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw error;
  }
}
