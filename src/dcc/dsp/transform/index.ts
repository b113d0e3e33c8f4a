/**
 * The DSP transform, DUIS Service Request -> GBCS (SECMP0038 DSP-1, DSP-2):
 * Commands with the ACB MAC for non-critical SRs, Pre-Commands for critical
 * SRs, and Commands from user-signed Pre-Commands. See docs/dsp-transform.md.
 */
export * from './context.ts';
export {
  cosemCommandDateTime,
  cosemExecutionDateTime,
  DUIS_CANCELLATION_DATE_TIME,
  type Execution,
  executionOf,
  GENERALIZED_TIME_CANCEL,
  generalizedTime,
  zigbeeExecutionTime,
  zigbeeUtcTime,
} from './encoding.ts';
export * from './errors.ts';
export type { FutureDatingKind, OriginatorKind } from './rule.ts';
export * from './transform.ts';
export { DspUrpCredentialError, type UrpRefusalReason } from './urp.ts';
