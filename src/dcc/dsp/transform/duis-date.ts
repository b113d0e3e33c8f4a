/**
 * sr:Date (DUIS: Year, Month, DayOfMonth, DayOfWeek, each specified or a
 * wildcard) read from a body as the catalogue's COSEM date text (Blue Book
 * 4.1.6.1 wildcards): one reader for every SR that carries one (tariff
 * seasons and special days, auxiliary controller schedules).
 */
import { DuisSchemaError } from '../../../duis/index.ts';
import { choice, empty, group, int, one, str, type ValueReader } from './body-reader.ts';

const pad = (v: number, w: number) => String(v).padStart(w, '0');

/** The parts of an sr:Date, for groups that add their own attribute (e.g. an index). */
export const DATE_PARTS = {
  year: one('Year', choice({ SpecifiedYear: int(2014, 9999), NonSpecifiedYear: empty })),
  month: one('Month', choice({ SpecifiedMonth: int(1, 12), NonSpecifiedMonth: empty })),
  day: one(
    'DayOfMonth',
    choice({
      SpecifiedDayOfMonth: int(1, 31),
      LastDayOfMonth: empty,
      SecondLastDayOfMonth: empty,
      NonSpecifiedDayOfMonth: empty,
    }),
  ),
  dow: one('DayOfWeek', choice({ SpecifiedDayOfWeek: int(1, 7), NonSpecifiedDayOfWeek: empty })),
};

const readDate = group(DATE_PARTS);

/** An sr:Date as read: each part the choice DUIS made. */
export type DateParts = ReturnType<typeof readDate>;

/**
 * The parts as COSEM date text: not specified = `*`, last day of the month
 * 0xFE (254), second last 0xFD (253), day of week ` dow=N`.
 */
export function dateText(d: DateParts): string {
  const y = d.year.which === 'SpecifiedYear' ? pad(d.year.value, 4) : '****';
  const m = d.month.which === 'SpecifiedMonth' ? pad(d.month.value, 2) : '**';
  const day =
    d.day.which === 'SpecifiedDayOfMonth'
      ? pad(d.day.value, 2)
      : d.day.which === 'LastDayOfMonth'
        ? '254'
        : d.day.which === 'SecondLastDayOfMonth'
          ? '253'
          : '**';
  const dow = d.dow.which === 'SpecifiedDayOfWeek' ? ` dow=${d.dow.value}` : '';
  return `${y}-${m}-${day}${dow}`;
}

/** sr:Date -> COSEM date text. */
export const cosemDate: ValueReader<string> = (n, p) => dateText(readDate(n, p));

/**
 * A gas year: the XSD allows 2014..9999, a ZCL date carries year - 1900 in one
 * octet (0xFF the wildcard), so 2154 is the last year a GSME can be sent; a
 * later one is refused saying so (issue 17).
 */
const gasYear: ValueReader<number> = (n, p) => {
  const y = int(2014, 9999)(n, p);
  if (y > 2154)
    throw new DuisSchemaError(`year ${y} does not fit a ZCL date (year - 1900 in one octet): 2014..2154`, p);
  return y;
};

/** The parts of an sr:GasDateWithWildcards (DUIS 2.1 gas non-disablement calendar). */
const readGasDate = group({
  year: one('GasYearWithWildcards', choice({ SpecifiedYear: gasYear, NonSpecifiedYear: empty })),
  month: one('GasMonthWithWildcards', choice({ SpecifiedMonth: int(1, 12), NonSpecifiedMonth: empty })),
  day: one(
    'GasDayOfMonthWithWildcards',
    choice({ SpecifiedDayOfMonth: int(1, 31), GasNonSpecifiedDayOfMonth: empty }),
  ),
  dow: one(
    'GasDayOfWeekWithWildcards',
    choice({ SpecifiedDayOfWeek: int(1, 7), NonSpecifiedDayOfWeek: empty }),
  ),
});

/** A ZCL date (SE: year - 1900, month, day, day of week 1 = Monday; a wildcard is null, sent as 0xFF). */
export interface ZclDateValue {
  year: number | null;
  month: number | null;
  day: number | null;
  dayOfWeek: number | null;
}

/**
 * sr:GasDateWithWildcards -> ZCL date: a part not specified is the ZCL
 * wildcard 0xFF. The year is bounded by the ZCL octet (1900 + 254).
 */
export const zclGasDate: ValueReader<ZclDateValue> = (n, p) => {
  const d = readGasDate(n, p);
  const v = <T extends { which: string; value: unknown }>(x: T, specified: string) =>
    x.which === specified ? (x.value as number) : null;
  return {
    year: v(d.year, 'SpecifiedYear'),
    month: v(d.month, 'SpecifiedMonth'),
    day: v(d.day, 'SpecifiedDayOfMonth'),
    dayOfWeek: v(d.dow, 'SpecifiedDayOfWeek'),
  };
};

const XS_DATE = /^(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/;

/**
 * xs:date (a calendar date, no wildcards: e.g. the Non-Disablement schedule's
 * StartDate / EndDate) -> COSEM date text with the day of week not specified.
 * The time zone, if any, is dropped: a schedule date is the meter's date.
 */
export const isoDate: ValueReader<string> = (n, p) => {
  const text = str()(n, p).trim();
  const m = XS_DATE.exec(text);
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (!m || y < 2000 || y > 2254 || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d)
    throw new DuisSchemaError(`${JSON.stringify(text)} is not a date the meter can hold`, p);
  return `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`;
};
