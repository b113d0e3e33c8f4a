/**
 * Meter Integrity Issue Warning Alert - ESME (MIIWA-ESME, Message Code
 * 0x00F0, alert code 0x81A0 "Smart Meter Integrity Issue - Warning"): the
 * ESME raises it when it detects an integrity issue of its own (GBCS V3.1
 * use-case tables: "sent in the conditions specified in SMETS"; the
 * conditions are device faults this emulator does not model, so the issue is
 * device state a test or the simulator sets, `Esme.backchannel.integrityIssue`).
 * The body is the catalogue row's (rows/dlms-alerts.ts, UNCONFIRMED there:
 * the issue as a 2-byte code, 0 other .. 9 unspecified as MIIWA-GSME's).
 */
import { formatCosemDateTimeText } from '../../gbcs/use-cases/cosem-text.ts';
import { encodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import { cosemDateTime } from '../meter-common/time.ts';

export const MIIWA_ESME = useCaseById('MIIWA-ESME')!;
export const INTEGRITY_ISSUE_WARNING = 0x81a0;

/** The integrity issue codes (as MIIWA-GSME's, PROVISIONAL for the ESME). */
export const INTEGRITY_ISSUES = {
  other: 0,
  nvm: 1,
  programExecution: 2,
  programStorage: 3,
  ram: 4,
  unexpectedReset: 5,
  watchdog: 6,
  metrologyFirmware: 7,
  measurementFault: 8,
  unspecified: 9,
} as const;
export type IntegrityIssue = keyof typeof INTEGRITY_ISSUES;

/** The alert's payload for `issue` detected at `atMs`, under the meter's next Originator Counter. */
export function integrityWarningAlert(
  issue: IntegrityIssue,
  atMs: number,
  originatorCounter: bigint,
): Uint8Array {
  return encodeAlert(
    MIIWA_ESME,
    {
      alertCode: INTEGRITY_ISSUE_WARNING,
      timestamp: formatCosemDateTimeText(cosemDateTime(atMs)),
      integrityIssue: INTEGRITY_ISSUES[issue].toString(16).padStart(4, '0'),
    },
    { originatorCounter },
  );
}
