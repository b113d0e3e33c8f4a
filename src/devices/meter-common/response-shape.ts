/**
 * Which Responses carry a date-time in the Grouping Header (GBCS 7.2.7:
 * present for some use cases only). Taken from the RTDS reference responses
 * of ESMEs and GSMEs (response-shape.test.ts checks the table against every
 * one of them): register reads, payment mode and tariff changes, top-ups,
 * firmware activation and credential updates carry the device's time; the
 * other responses do not.
 */
import { messageCodeForUseCase } from '../../gbcs/codes/message-codes.ts';

export const RESPONSE_DATE_TIME_USE_CASES: readonly string[] = [
  'CS01a',
  'CS01b',
  'CS06',
  'ECS01b',
  'ECS01c',
  'ECS02',
  'ECS03',
  'ECS17a',
  'ECS17b',
  'ECS17c',
  'ECS17d',
  'ECS18a',
  'ECS18b',
  'ECS19',
  'ECS23',
  'ECS46d',
  'GCS01b',
  'GCS03',
  'GCS13a',
  'GCS13b',
  'GCS13c',
  'GCS14',
  'CS02bSupplierBySupplier',
  'CS02bNOByNOHandover',
  'CS02bACBByACB',
  'CS02bWPByWP',
  'CS02bSupplierByTransCoS',
  'CS02bAnyByContingency',
  'CS02bAnyExceptAbnormalRootByRecovery',
  'CS02gLoadControllerBySupplier',
  'CS02gLoadControllerByLoadController',
];

const CODES = new Set<number>(
  RESPONSE_DATE_TIME_USE_CASES.map((uc) => {
    const info = messageCodeForUseCase(uc);
    if (!info) throw new Error(`response-shape: unknown use case ${uc}`);
    return info.code;
  }),
);

export function responseCarriesDateTime(messageCode: number): boolean {
  return CODES.has(messageCode);
}

/**
 * Whether a Response is signed (DF only, device DS key) rather than MAC'd:
 * responses to critical commands, to commands that came signature-only, and
 * to credential updates (RTDS: every CS02a/CS02b/CS02g response is signed,
 * also for the non-critical CS02bACBByACB).
 */
export function responseIsSigned(
  useCase: string | null,
  critical: boolean,
  commandWasMacd: boolean,
): boolean {
  if (critical || !commandWasMacd) return true;
  return useCase !== null && /^CS02[abg]/.test(useCase);
}

/**
 * Result of an ASN.1 use case this emulator does not support: INTEGER 3, the
 * shape of the RTDS error responses of ASN.1 use cases (8.7.1_CS03A1 ERROR).
 */
export const ASN1_UNSUPPORTED_RESULT = 3;
