/**
 * Non-device SRs about a device's enrolment in DCC services and WAN coverage
 * (issue 17), answered against the DSP's records:
 *
 * - 8.6 Service Opt In: a device opted out of DCC services (its record's
 *   `optedOut`) comes back in from OptInDate. The answer (I0 DSPOptIn)
 *   carries the DSP broker's security credentials, the ACB's KA (and DS)
 *   certificates of the DSP's key store, which the supplier places on the
 *   device. Until OptInDate, and for an opted-out device with no opt-in,
 *   every device SR to it is refused E5 (device status incompatible with
 *   the Service Reference: `optOutRefusal`).
 * - 12.1 Request WAN Matrix: the DSP's WAN coverage table (configuration,
 *   `WanCoverageEntry`, by UPRN or post code) answered as DSPWANMatrix, one
 *   DSPWANMatrixResponse per CSP region that holds the address.
 *
 * The SR-specific codes are the XSD's (E0806xx, E1201xx), assigned here
 * PROVISIONALLY like the other non-device codes (docs/dsp.md).
 *
 * 8.5 Service Opt Out is a device SR (use case CS02bACBByACB, the ACB's
 * credentials replaced on the device, transform/credentials-srs.ts); the
 * service does not yet mark the device opted out when it sends it, so a
 * device becomes opted out only through its record (`markOptedOut`).
 */
import { child, type DuisNode, type DuisResponseCode, el } from '../../duis/index.ts';
import { type Eui, euiToDuis, normaliseEui } from '../../runtime/bytes.ts';
import type { DeviceRecord, NonDeviceAnswer, NonDeviceContext } from './non-device.ts';

const text = (n: DuisNode, name: string): string | undefined => child(n, name)?.text?.trim();
const DAY = 86_400_000;

/** The DSP broker's (ACB's) certificates, DER. */
export interface BrokerCredentials {
  ka?: Uint8Array;
  ds?: Uint8Array;
}

/** One row of the DSP's WAN coverage table (12.1). */
export interface WanCoverageEntry {
  /** A UPRN, or a post code prefix (case and spaces ignored: "M22" matches "M22 0RR"). */
  uprn?: string;
  postCodePrefix?: string;
  region: 'North' | 'Central' | 'South' | '4G North' | '4G Central' | '4G South';
  available: boolean;
  /** xs:date, when coverage is expected (not available yet). */
  anticipatedDate?: string;
  technology: string;
  likelihood: 'High' | 'Medium' | 'Low';
  auxiliaryEquipment?: string;
  information?: string;
}

/** Device SRs to an opted-out device (before its OptInDate): E5. */
export function optOutRefusal(r: DeviceRecord | undefined, now: number): string | undefined {
  const o = r?.optedOut;
  if (!o) return undefined;
  if (o.optInFrom !== undefined && now >= o.optInFrom) return undefined;
  return o.optInFrom === undefined
    ? `device ${r.eui} is opted out of DCC services (8.5)`
    : `device ${r.eui} is opted out of DCC services until its opt-in date ${new Date(o.optInFrom).toISOString().slice(0, 10)}`;
}

/** The record of a device that left DCC services (for 8.5 once it is transformed; tests). */
export function markOptedOut(r: DeviceRecord, at: number, srv: string): DeviceRecord {
  return { ...r, optedOut: { at, srv } };
}

const refuse = (code: DuisResponseCode): NonDeviceAnswer => ({ code });

/** 8.6 Service Opt In. */
export function serviceOptIn(ctx: NonDeviceContext): NonDeviceAnswer {
  const b = ctx.req.body;
  let eui: Eui;
  try {
    eui = normaliseEui(text(b, 'DeviceID') ?? '');
  } catch {
    return refuse('E080601');
  }
  const inventory = ctx.inventory.get(eui);
  const r: DeviceRecord | undefined =
    ctx.records.device(eui) ??
    (inventory && {
      eui,
      deviceType: inventory.deviceType,
      status: 'Commissioned',
      manufacturer: '',
      model: '',
    });
  if (!r) return refuse('E080601'); // PROVISIONAL: not in the inventory
  if (text(b, 'DeviceType') !== r.deviceType) return refuse('E080602'); // PROVISIONAL: not that device type
  if (!r.optedOut || r.optedOut.optInFrom !== undefined) return refuse('E080604'); // PROVISIONAL: not opted out
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text(b, 'OptInDate') ?? '');
  const from = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!(from + DAY > ctx.now)) return refuse('E080606'); // PROVISIONAL: OptInDate in the past
  const creds = ctx.brokerCredentials;
  if (!creds.ka) return refuse('E080607'); // PROVISIONAL: the DSP holds no broker credentials
  const mpxns = child(b, 'MPxNs');
  const next: DeviceRecord = { ...r, optedOut: { ...r.optedOut, optInFrom: from } };
  const mpxn = mpxns && text(mpxns, 'ImportMPxN');
  if (mpxn) next.importMpxn = mpxn;
  ctx.records.putDevice(next, ctx.now);
  const kids = [el('DeviceID', euiToDuis(eui))];
  if (creds.ds)
    kids.push(el('DSPBrokerSecurityCredentialsDigitalSigning', Buffer.from(creds.ds).toString('base64')));
  kids.push(el('DSPBrokerSecurityCredentialsKeyAgreement', Buffer.from(creds.ka).toString('base64')));
  return { code: 'I0', payload: { type: 'Other', node: el('DSPOptIn', kids) } };
}

const squash = (s: string) => s.replace(/\s+/g, '').toUpperCase();

/** 12.1 Request WAN Matrix. */
export function requestWanMatrix(ctx: NonDeviceContext): NonDeviceAnswer {
  const b = ctx.req.body;
  const uprn = text(b, 'UPRN');
  const partial = child(b, 'PartialAddress');
  const postCode = partial ? squash(text(partial, 'PostCode') ?? '') : undefined;
  const hits = ctx.wanCoverage.filter((e) =>
    uprn !== undefined
      ? e.uprn !== undefined && e.uprn === uprn
      : postCode !== undefined &&
        e.postCodePrefix !== undefined &&
        postCode.startsWith(squash(e.postCodePrefix)),
  );
  if (hits.length === 0) return refuse('E120101'); // PROVISIONAL: the address is not in the coverage data
  const responses = hits.map((e) => {
    const kids = [
      el('CSPRegion', e.region),
      el('CSPRegionResponseCode', 'I0'),
      el('CoverageAvailability', String(e.available)),
    ];
    if (e.anticipatedDate) kids.push(el('AnticipatedCoverageDate', e.anticipatedDate));
    kids.push(el('WANTechnology', e.technology), el('ConnectivityLikelihood', e.likelihood));
    if (e.auxiliaryEquipment) kids.push(el('AuxiliaryEquipmentRequired', e.auxiliaryEquipment));
    if (e.information) kids.push(el('AdditionalInformation', e.information));
    return el('DSPWANMatrixResponse', kids);
  });
  const request = { ...b, name: 'Request' };
  return { code: 'I0', payload: { type: 'Other', node: el('DSPWANMatrix', [request, ...responses]) } };
}
