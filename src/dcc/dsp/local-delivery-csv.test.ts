/** SECMP0038 DSP-4 file format: RFC 4180 CSV with a fixed header, round trips and strict parsing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CsvError,
  csvField,
  DAY_MS,
  formatCsv,
  formatLocalDeliveryCsv,
  LOCAL_DELIVERY_CSV_COLUMNS,
  type LocalDeliveryRecord,
  localDeliveryFileName,
  parseCsv,
  parseLocalDeliveryCsv,
} from './local-delivery-csv.ts';

const RECORD: LocalDeliveryRecord = {
  requestId: '90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000',
  user: '90B3D51F30010000',
  target: '00DB1234567890A0',
  chf: '00DB1234567890A2',
  csp: 'csp-north',
  srv: '4.1.1',
  cv: 2,
  issuedAt: Date.UTC(2026, 0, 1, 12, 30, 0, 250),
  gbcsSha256: 'AB'.repeat(32),
};

describe('local-delivery CSV (DSP-4)', () => {
  it('writes the header row and CRLF-terminated records', () => {
    const text = formatLocalDeliveryCsv([RECORD]);
    assert.equal(
      text,
      `${LOCAL_DELIVERY_CSV_COLUMNS.join(',')}\r\n` +
        '90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000,90B3D51F30010000,00DB1234567890A0,00DB1234567890A2,' +
        `csp-north,4.1.1,2,2026-01-01T12:30:00.250Z,${'AB'.repeat(32)}\r\n`,
    );
    assert.deepEqual(parseLocalDeliveryCsv(text), [RECORD]);
  });

  it('an empty period is a header-only file that parses to no records', () => {
    assert.deepEqual(parseLocalDeliveryCsv(formatLocalDeliveryCsv([])), []);
  });

  it('quotes only where RFC 4180 requires, doubling quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
    assert.equal(csvField(null), '');
  });

  it('parseCsv inverts formatCsv for any fields (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 8,
        }),
        (rows) => {
          // a record of one empty field is an empty line, which CSV cannot tell from nothing
          fc.pre(rows.every((r) => !(r.length === 1 && r[0] === '')));
          assert.deepEqual(parseCsv(formatCsv(rows)), rows);
        },
      ),
      { seed: 20260101, numRuns: 300 },
    );
  });

  it('accepts LF line ends, a missing final line end and a BOM', () => {
    const text = formatLocalDeliveryCsv([RECORD]).replace(/\r\n/g, '\n').replace(/\n$/, '');
    assert.deepEqual(parseLocalDeliveryCsv(`\uFEFF${text}`), [RECORD]);
  });

  const bad: Array<[string, (t: string) => string, RegExp]> = [
    ['wrong header', (t) => t.replace('request_id', 'requestid'), /line 1: header/],
    ['missing field', (t) => t.replace(',4.1.1,2,', ',4.1.1,'), /line 2: 8 fields/],
    ['CV 1 is not local delivery', (t) => t.replace(',4.1.1,2,', ',4.1.1,1,'), /line 2: cv/],
    ['lower-case EUI', (t) => t.replace(',00DB1234567890A0,', ',00db1234567890a0,'), /line 2: target/],
    ['bad timestamp', (t) => t.replace('2026-01-01T12:30:00.250Z', '2026-01-01 12:30'), /line 2: issued_at/],
    ['bad hash', (t) => t.replace('AB'.repeat(32), 'AB'), /line 2: gbcs_sha256/],
    ['bare quote', (t) => t.replace('csp-north', 'csp"north'), /quote inside an unquoted field/],
    ['unterminated quote', (t) => t.replace('csp-north', '"csp-north'), /unterminated|after a closing quote/],
  ];
  for (const [name, edit, re] of bad) {
    it(`refuses ${name} with the line number`, () => {
      assert.throws(
        () => parseLocalDeliveryCsv(edit(formatLocalDeliveryCsv([RECORD]))),
        (e: unknown) => {
          assert.ok(e instanceof CsvError);
          assert.equal(e.code, 'CSV_INVALID');
          assert.match(e.message, re);
          return true;
        },
      );
    });
  }

  it('names files by period start', () => {
    assert.equal(localDeliveryFileName(Date.UTC(2026, 0, 2)), 'local-delivery-20260102.csv');
    assert.equal(
      localDeliveryFileName(Date.UTC(2026, 0, 2, 6), 6 * 3600_000),
      'local-delivery-20260102T060000Z.csv',
    );
    assert.equal(DAY_MS, 86_400_000);
  });
});
