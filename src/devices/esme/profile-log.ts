/**
 * The ESME's half-hour profile data logs as its metrology records them
 * (meter-common/metrology.ts, `state.metrology`): on top of the rows the
 * meter was given (the attribute store's and the protected data's, the RTDS
 * reference rows initially), the half hours it has measured since, each
 * row's capture time the start of its half hour (UTC seconds since
 * 2000-01-01, the reference rows' 30-minute grid).
 *
 * - ECS22b (4.8.1, protected, 7/0-0:99.1.0.255/2): { time, active import
 *   (, secondary active import on a twin) };
 * - ECS22c (4.8.2, profileDataReactiveImport.buffer): { time, reactive import };
 * - ECS22a (4.8.3, profileDataExport.buffer): { time, active export, reactive export }.
 */
import type { DlmsData } from '../../gbcs/payload/dlms.ts';
import { dlms } from '../../gbcs/payload/dlms.ts';
import { protectedObjectKey } from '../../gbcs/use-cases/protected-objects.ts';
import { entriesBetween } from '../meter-common/metrology.ts';
import type { EsmeState } from './state.ts';

/** GBCS time stamps in profiles: UTC seconds since 2000-01-01. */
const EPOCH_2000 = Date.UTC(2000, 0, 1);
/** The protected active import profile (ECS22b). */
export const ACTIVE_IMPORT_PROFILE = protectedObjectKey('activeImportProfile');

/** Metrology channels of the ESME's registers. */
export const CHANNEL = {
  activeImport: 'activeImport',
  reactiveImport: 'reactiveImport',
  activeExport: 'activeExport',
  reactiveExport: 'reactiveExport',
  secondaryActiveImport: 'secondaryActiveImport',
} as const;

function recorded(state: EsmeState): Array<{ time: number; v: Record<string, number> }> {
  const log = state.metrology?.logs.profile;
  if (!log) return [];
  return entriesBetween(log, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY).map((e) => ({
    time: Math.floor((e.start - EPOCH_2000) / 1000),
    v: e.values,
  }));
}

/** Rows recorded for an attribute-store profile buffer (named as the catalogue names its columns), or none. */
export function recordedBufferRows(state: EsmeState, key: string): Array<Record<string, number>> {
  if (key === 'profileDataReactiveImport.buffer')
    return recorded(state).map((r) => ({ time: r.time, reactiveEnergyImport: r.v.reactiveImport ?? 0 }));
  if (key === 'profileDataExport.buffer')
    return recorded(state).map((r) => ({
      time: r.time,
      activeEnergyExport: r.v.activeExport ?? 0,
      reactiveEnergyExport: r.v.reactiveExport ?? 0,
    }));
  return [];
}

/** The protected active import profile with the recorded half hours appended (same columns as the held rows). */
export function withRecordedImportProfile(state: EsmeState, held: DlmsData): DlmsData {
  if (held.type !== 'compact-array') return held;
  const rows = recorded(state);
  if (rows.length === 0) return held;
  const twin = state.variant === 'twin';
  const elements = rows.map((r) =>
    twin
      ? dlms.struct(
          dlms.u32(r.time),
          dlms.u32(r.v.activeImport ?? 0),
          dlms.u32(r.v.secondaryActiveImport ?? 0),
        )
      : dlms.struct(dlms.u32(r.time), dlms.u32(r.v.activeImport ?? 0)),
  );
  return { ...held, elements: [...held.elements, ...elements] };
}
