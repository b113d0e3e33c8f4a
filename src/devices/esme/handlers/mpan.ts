/**
 * ECS39a / ECS39b (GBCS V3.1 use-case tables): the ESME's MPANs. ECS39a
 * writes the import MPANs 0-0:94.44.34.11 (class 1 value): the primary
 * MPAN's 13 octets, then on a twin element ESME the secondary MPAN's 13;
 * ECS39b the export MPAN 1-0:0.0.2.255 (13 octets, the row's shape). GBCS:
 * a value longer than 13 octets written to a single element meter is an
 * error; here any length other than 13 (or 26 on a twin) is refused with
 * the set result `type-unmatched` (PROVISIONAL: GBCS does not name the
 * result), nothing written. Otherwise the generic object model stores it
 * (cosem.ts), where a read of the object answers it.
 */
import type { HandlerResult, UseCaseCall } from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import { writeAttributes } from './cosem.ts';

/** Octets of one MPAN (GBCS: an MPAN is 13 characters, UTF-8). */
export const MPAN_OCTETS = 13;

interface ImportMpans {
  importMpans: { value: string };
}

export function setImportMpans(call: UseCaseCall<ImportMpans>, esme: EsmeServices): HandlerResult {
  // the row's text is the octets one character each (latin-1), so its length is the octet count
  const octets = call.fields.importMpans.value.length;
  const allowed = esme.state.variant === 'twin' ? [MPAN_OCTETS, 2 * MPAN_OCTETS] : [MPAN_OCTETS];
  if (!allowed.includes(octets))
    return {
      response: { importMpans: { value: { result: 'type-unmatched' } } },
      outcome: 'failed',
      detail: { octets, allowed, variant: esme.state.variant },
    };
  return writeAttributes(call, esme);
}
