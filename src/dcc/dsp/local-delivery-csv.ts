/**
 * SECMP0038 DSP-4 / CSP-4: the local-delivery log file the DSP passes to
 * each CSP, as a pure codec (no I/O) that both sides use: the DSP writes it
 * (local-delivery-log.ts), the CSP's Communications Hub Manager loads it.
 *
 * Format (RFC 4180): UTF-8, CRLF line ends, a header row, one row per
 * Service Request whose command the DSP handed out for local delivery,
 * fields quoted with `"` only when they hold `,`, `"`, CR or LF (a `"`
 * inside is doubled). One file per CSP per period, named
 * `local-delivery-<YYYYMMDD>.csv` (daily periods) or
 * `local-delivery-<YYYYMMDDTHHMMSSZ>.csv` (other periods, named by the
 * period start in UTC), in a folder per CSP.
 *
 * | column       | content |
 * |--------------|---------|
 * | request_id   | DUIS Request ID, `originator:target:counter` (EUIs as `XX-XX-..`) |
 * | user         | the DCC user (RequestID originator), 16 upper-case hex digits |
 * | target       | the target device EUI |
 * | chf          | the Communications Hub (CHF EUI) serving the target |
 * | csp          | the CSP region (equals the file's CSP) |
 * | srv          | Service Reference Variant, e.g. `4.1.1` |
 * | cv           | Command Variant: 2, 3, 6 or 7 |
 * | issued_at    | when the DSP handed out the command, ISO 8601 UTC with milliseconds |
 * | gbcs_sha256  | SHA-256 of the GBCS command bytes handed out, 64 upper-case hex digits |
 */
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';

export const LOCAL_DELIVERY_CSV_COLUMNS = [
  'request_id',
  'user',
  'target',
  'chf',
  'csp',
  'srv',
  'cv',
  'issued_at',
  'gbcs_sha256',
] as const;

export interface LocalDeliveryRecord {
  requestId: string;
  user: Eui;
  target: Eui;
  chf: Eui;
  csp: string;
  srv: string;
  cv: 2 | 3 | 6 | 7;
  /** epoch ms */
  issuedAt: number;
  gbcsSha256: string;
}

export class CsvError extends PpmidRelayError {
  constructor(
    message: string,
    /** 1-based line of the record (the header is line 1). */
    readonly line?: number,
  ) {
    super('CSV_INVALID', line === undefined ? message : `line ${line}: ${message}`);
  }
}

/** One CSV field, quoted only when it must be (RFC 4180 2.6, 2.7). */
export function csvField(v: string | number | bigint | boolean | null | undefined): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to RFC 4180 text: CRLF after every record, including the last. */
export function formatCsv(
  rows: ReadonlyArray<ReadonlyArray<string | number | bigint | boolean | null | undefined>>,
): string {
  let out = '';
  for (const r of rows) out += `${r.map(csvField).join(',')}\r\n`;
  return out;
}

/**
 * Parses RFC 4180 text into records of fields. Accepts CRLF or LF line ends
 * and a missing final line end; refuses a bare `"` inside an unquoted field,
 * text after a closing quote, and an unterminated quoted field.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let line = 1;
  let quoted = false;
  let fieldStarted = false;
  const n = text.length;
  const endField = () => {
    row.push(field);
    field = '';
    fieldStarted = false;
  };
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const d = text[i];
        if (d !== undefined && d !== ',' && d !== '\r' && d !== '\n')
          throw new CsvError('text after a closing quote', line);
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (fieldStarted || field !== '') throw new CsvError('a quote inside an unquoted field', line);
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === ',') {
      endField();
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endField();
      rows.push(row);
      row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (quoted) throw new CsvError('unterminated quoted field', line);
  if (fieldStarted || field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

export function formatLocalDeliveryCsv(records: readonly LocalDeliveryRecord[]): string {
  return formatCsv([
    LOCAL_DELIVERY_CSV_COLUMNS,
    ...records.map((r) => [
      r.requestId,
      r.user,
      r.target,
      r.chf,
      r.csp,
      r.srv,
      r.cv,
      new Date(r.issuedAt).toISOString(),
      r.gbcsSha256,
    ]),
  ]);
}

const REQUEST_ID = /^[0-9A-F]{2}(-[0-9A-F]{2}){7}:[0-9A-F]{2}(-[0-9A-F]{2}){7}:(0|[1-9][0-9]{0,19})$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Parses (and checks) a local-delivery CSV file. Throws CsvError with the line. */
export function parseLocalDeliveryCsv(text: string): LocalDeliveryRecord[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows = parseCsv(body);
  if (rows.length === 0) throw new CsvError('empty file: the header row is missing', 1);
  const header = rows[0];
  if (header.join(',') !== LOCAL_DELIVERY_CSV_COLUMNS.join(','))
    throw new CsvError(
      `header is "${header.join(',')}", expected "${LOCAL_DELIVERY_CSV_COLUMNS.join(',')}"`,
      1,
    );
  const out: LocalDeliveryRecord[] = [];
  for (let k = 1; k < rows.length; k++) {
    const r = rows[k];
    const line = k + 1;
    if (r.length !== LOCAL_DELIVERY_CSV_COLUMNS.length)
      throw new CsvError(`${r.length} fields, expected ${LOCAL_DELIVERY_CSV_COLUMNS.length}`, line);
    const [requestId, user, target, chf, csp, srv, cv, issuedAt, hash] = r;
    if (!REQUEST_ID.test(requestId))
      throw new CsvError(`request_id "${requestId}" is not a DUIS Request ID`, line);
    const eui = (name: string, v: string): Eui => {
      if (!/^[0-9A-F]{16}$/.test(v))
        throw new CsvError(`${name} "${v}" is not 16 upper-case hex digits`, line);
      return normaliseEui(v);
    };
    if (csp === '') throw new CsvError('csp is empty', line);
    // a DUIS SRV, or a PROVISIONAL command of SECMP0038 (SECMP0038-CHT: Set CH Time, ch-time-desk.ts)
    if (!/^(\d+(\.\d+){1,2}|SECMP0038-[A-Z]{2,8})$/.test(srv))
      throw new CsvError(`srv "${srv}" is not a Service Reference Variant`, line);
    if (!['2', '3', '6', '7'].includes(cv))
      throw new CsvError(`cv "${cv}" is not a local-delivery variant`, line);
    if (!ISO_UTC.test(issuedAt) || Number.isNaN(Date.parse(issuedAt)))
      throw new CsvError(`issued_at "${issuedAt}" is not ISO 8601 UTC with milliseconds`, line);
    if (!/^[0-9A-F]{64}$/.test(hash)) throw new CsvError(`gbcs_sha256 "${hash}" is not 64 hex digits`, line);
    out.push({
      requestId,
      user: eui('user', user),
      target: eui('target', target),
      chf: eui('chf', chf),
      csp,
      srv,
      cv: Number(cv) as 2 | 3 | 6 | 7,
      issuedAt: Date.parse(issuedAt),
      gbcsSha256: hash,
    });
  }
  return out;
}

export const DAY_MS = 24 * 3600_000;

/** `local-delivery-<YYYYMMDD>.csv` for daily periods, `local-delivery-<YYYYMMDDTHHMMSSZ>.csv` otherwise. */
export function localDeliveryFileName(periodStart: number, periodMs: number = DAY_MS): string {
  const iso = new Date(periodStart).toISOString();
  const day = iso.slice(0, 10).replace(/-/g, '');
  if (periodMs === DAY_MS && periodStart % DAY_MS === 0) return `local-delivery-${day}.csv`;
  return `local-delivery-${day}T${iso.slice(11, 19).replace(/:/g, '')}Z.csv`;
}
