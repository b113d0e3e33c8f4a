/**
 * DUIS Response Codes. `DUIS_RESPONSE_CODES` is the XSD `ResponseCode`
 * enumeration of DUIS Schema V5.4, in schema order (checked by
 * response-codes.test.ts). Meanings are given only where they are certain;
 * the others are valid codes whose wording this project does not record.
 *
 * Structure of the codes (from the enumeration itself): `I0` success, `I99`
 * acknowledgement, `E<n>` common errors, and SR-specific codes `E`/`W`
 * followed by six digits: the Service Reference Variant's two-digit major,
 * two-digit minor and a two-digit sequence number (e.g. `E081301` is error 01
 * of SR 8.13, `W110101` warning 01 of SR 11.1).
 */

// biome-ignore format: a table, kept in the XSD's layout
export const DUIS_RESPONSE_CODES = [
  'I0', 'I99', 'E1', 'E2', 'E3', 'E4', 'E5', 'E11', 'E12', 'E13', 'E17', 'E19', 'E20', 'E21', 'E30', 'E31',
  'E40', 'E41', 'E42', 'E43', 'E44', 'E45', 'E46', 'E47', 'E48', 'E49', 'E50', 'E51', 'E52', 'E53', 'E54',
  'E55', 'E56', 'E57', 'E58', 'E59', 'E60', 'E61', 'E62', 'E63', 'E64', 'E65', 'E66', 'E67', 'E68', 'E69',
  'E70', 'E71', 'E100', 'E1000', 'E1001', 'E1003', 'E1004', 'E1006', 'E1007', 'E1008', 'E1010', 'E1011',
  'E010101', 'E010102', 'E010201', 'E030301', 'E030302', 'E040101', 'E041701', 'E050101', 'E050102',
  'E050103', 'E050105', 'E050107', 'E050108', 'E050109', 'E050110', 'E050111', 'E050112', 'E050201',
  'E050202', 'W050201', 'E050301', 'E050302', 'W050301', 'E060501', 'E060502', 'E060701', 'E060801',
  'E060802', 'E060803', 'E061301', 'E061304', 'E061305', 'E061501', 'E061504', 'E061505', 'E061506',
  'E061507', 'E061508', 'E061509', 'E061801', 'E061802', 'E061803', 'E062101', 'E062102', 'E062103',
  'E062105', 'E062201', 'E062202', 'E062203', 'E062301', 'E062302', 'E062303', 'E062304', 'E062305',
  'E062306', 'E062401', 'E062402', 'E062403', 'E062801', 'E062802', 'E062803', 'E080201', 'E080202',
  'E080301', 'E080302', 'E080405', 'E080406', 'E080407', 'E080408', 'E080409', 'E080410', 'E080411',
  'E080412', 'E080413', 'E080414', 'E080415', 'E080501', 'E080502', 'E080503', 'E080601', 'E080602',
  'E080604', 'E080606', 'E080607', 'E080702', 'E080721', 'E080722', 'E080723', 'E080801', 'E080821',
  'E080822', 'E080901', 'E080902', 'E080903', 'E081101', 'E081102', 'E081104', 'E081105', 'E081106',
  'E081107', 'E081108', 'E081109', 'E081110', 'E081111', 'E081202', 'E081204', 'E081205', 'E081221',
  'E081222', 'E081223', 'E081301', 'E081302', 'E081303', 'E081401', 'E081402', 'E081405', 'E081406',
  'W081401', 'E110101', 'E110102', 'E110103', 'E110105', 'E110106', 'W110101', 'E110401', 'E110402',
  'E110403', 'E110405', 'W110401', 'E120101', 'E120102', 'E120103', 'E120201', 'E120203', 'E120204',
  'E120207',
] as const;

export type DuisResponseCode = (typeof DUIS_RESPONSE_CODES)[number];

const CODES: ReadonlySet<string> = new Set(DUIS_RESPONSE_CODES);

export function isDuisResponseCode(s: string): s is DuisResponseCode {
  return CODES.has(s);
}

/**
 * Meanings this project is sure of (DUIS common response codes). Everything
 * else in DUIS_RESPONSE_CODES is valid but undocumented here.
 */
export const RESPONSE_CODE_MEANINGS: Readonly<Partial<Record<DuisResponseCode, string>>> = {
  I0: 'Success',
  I99: 'Acknowledgement: request accepted (passed access control) and sent to the device, or a non-device request succeeded with no data to return',
  E1: 'Failed authorisation: invalid User / User Role combination',
  E2: 'Failed authorisation: User Role not permitted to send this Service Reference',
  E3: 'Failed authorisation: User status does not permit this Service Reference',
  E4: 'Failed authorisation: User Role not authorised for the device at the requested time',
  E5: 'Failed authorisation: device status incompatible with the Service Reference',
  E11: 'Failed validation: Service Request not compatible with the device type',
  E12: 'Failed validation: Command Variant not applicable to the request',
  E13: 'Failed validation: request type not valid for the URL (e.g. a non-device request sent to the transform URL)',
  E17: 'Failed authorisation: Service Request or Signed Pre-Command not available for local delivery',
  E19: 'Failed authorisation: device does not exist',
  E20: 'Communications failure: unable to communicate with the device',
  E21: 'Communications failure: no response received from the device',
};

export type ResponseCodeKind = 'success' | 'acknowledgement' | 'error' | 'warning';

export function responseCodeKind(code: DuisResponseCode): ResponseCodeKind {
  if (code === 'I0') return 'success';
  if (code === 'I99') return 'acknowledgement';
  return code.startsWith('W') ? 'warning' : 'error';
}

/** For SR-specific codes (`E081301`), the SRV prefix they belong to (`8.13`); undefined for common codes. */
export function responseCodeServiceReference(code: DuisResponseCode): string | undefined {
  const m = /^[EW](\d\d)(\d\d)\d\d$/.exec(code);
  if (!m) return undefined;
  return `${Number(m[1])}.${Number(m[2])}`;
}
