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
 * - 8.5 Service Opt Out, the mirror of 8.6: a device SR (use case
 *   CS02bACBByACB, the ACB's credentials replaced on the device,
 *   transform/credentials-srs.ts; mandatory ExecutionDateTime, the DSP holds
 *   the command until then). Once the DSP accepts it (I99), the device's
 *   record is marked opted out from its ExecutionDateTime (`optOut`); from
 *   then every device SR to it is refused E5, a second 8.5 included, until
 *   8.6 brings it back. A refused 8.5 (any E code) changes nothing.
 *   PROVISIONAL (DUIS wording not here): the opt-out takes effect at the
 *   ExecutionDateTime, not when the device confirms the credentials change.
 */
import { child, type DuisNode, type DuisResponseCode, el } from '../../duis/index.ts';
import { type Eui, euiToDuis, normaliseEui } from '../../runtime/bytes.ts';
import type { DspInventory } from './inventory.ts';
import type { DeviceRecord, NonDeviceAnswer, NonDeviceContext, NonDeviceRecords } from './non-device.ts';

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

/** The SRV that opts a device out of DCC services (its mirror is 8.6, `serviceOptIn`). */
export const SERVICE_OPT_OUT_SRV = '8.5';

/** A device's record: the stored one, else one made from its inventory entry (Commissioned). */
export function deviceRecordOf(
  records: NonDeviceRecords,
  inventory: DspInventory,
  eui: Eui,
): DeviceRecord | undefined {
  const r = records.device(eui);
  if (r) return r;
  const d = inventory.get(eui);
  return d && { eui, deviceType: d.deviceType, status: 'Commissioned', manufacturer: '', model: '' };
}

/** Device SRs to an opted-out device (from its opt-out time, before its OptInDate): E5. */
export function optOutRefusal(r: DeviceRecord | undefined, now: number): string | undefined {
  const o = r?.optedOut;
  if (!o) return undefined;
  if (o.optInFrom !== undefined && now >= o.optInFrom) return undefined;
  if (o.optInFrom === undefined && now < o.at) return undefined; // an accepted 8.5 not yet executed
  return o.optInFrom === undefined
    ? `device ${r.eui} is opted out of DCC services (8.5)`
    : `device ${r.eui} is opted out of DCC services until its opt-in date ${new Date(o.optInFrom).toISOString().slice(0, 10)}`;
}

/** The record of a device that leaves DCC services at `at`. */
export function markOptedOut(r: DeviceRecord, at: number, srv: string): DeviceRecord {
  return { ...r, optedOut: { at, srv } };
}

/** 8.5 accepted: the device is opted out from `at` (its ExecutionDateTime); false if it is not in the inventory. */
export function optOut(
  records: NonDeviceRecords,
  inventory: DspInventory,
  eui: Eui,
  at: number,
  now: number,
): boolean {
  const r = deviceRecordOf(records, inventory, eui);
  if (!r) return false;
  records.putDevice(markOptedOut(r, at, SERVICE_OPT_OUT_SRV), now);
  return true;
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
  const r = deviceRecordOf(ctx.records, ctx.inventory, eui);
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
