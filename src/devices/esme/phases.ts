/**
 * Which COSEM objects an ESME variant has (GBCS: the per-phase objects of a
 * polyphase ESME). A quantity of phase 2 or 3 (OBIS group A 1, electricity,
 * group C 41..60 for L2 and 61..80 for L3, IEC 62056-6-1: the catalogue's
 * `...L2` / `...L3` voltage objects, 1-0:52.x / 1-0:72.x) exists on a
 * polyphase ESME only; a single or twin element ESME measures one phase and
 * holds none of them. Derived from each object's OBIS code in the catalogue
 * (gbcs/use-cases/cosem-objects.ts), never from its name.
 */
import { COSEM_OBJECTS } from '../../gbcs/use-cases/cosem-objects.ts';
import type { EsmeVariant } from './state.ts';

/** The phase (2 or 3) an object measures, or null for a phase 1 / total / non-electricity object. */
export function objectPhase(object: string): 2 | 3 | null {
  const obis = (COSEM_OBJECTS as Record<string, { obis: string } | undefined>)[object]?.obis;
  const m = obis ? /^(\d+)-\d+:(\d+)\./.exec(obis) : null;
  if (m?.[1] !== '1') return null;
  const c = Number(m[2]);
  return c >= 41 && c <= 60 ? 2 : c >= 61 && c <= 80 ? 3 : null;
}

/** Whether an ESME of `variant` has the COSEM object `object`. */
export function hasObject(variant: EsmeVariant, object: string): boolean {
  return variant === 'polyphase' || objectPhase(object) === null;
}
