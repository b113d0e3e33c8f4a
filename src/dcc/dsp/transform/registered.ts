/**
 * The registration point of the DUIS -> GBCS transforms: every device SRV
 * this DSP transforms is one `SrvTransform` (use-cases.ts explains the row).
 * The SRV table (src/dcc/dsp/srv-table.ts) reads `srvTransform` to say which
 * SRVs are supported; a device SRV with no transform here is refused with
 * a DUIS response code (DSP_UNSUPPORTED_SERVICE_REQUEST, E11), never 501.
 *
 * To add transforms, append their list to `TRANSFORM_LISTS` (one import and
 * one entry); nothing else changes.
 */
import { serviceRequest } from '../../../duis/index.ts';
import { AUX_LOAD_SRV_TRANSFORMS } from './aux-load-srs.ts';
import { CONFIG_SRV_TRANSFORMS } from './config-srs.ts';
import { CREDENTIALS_SRV_TRANSFORMS } from './credentials-srs.ts';
import { DEVICE_CONFIG_SRV_TRANSFORMS } from './device-config-srs.ts';
import { DEVICE_LOG_SRV_TRANSFORMS } from './device-log-srs.ts';
import { DEVICE_SETTING_SRV_TRANSFORMS, DEVICE_SRV_TRANSFORMS } from './device-srs.ts';
import { PREPAY_SRV_TRANSFORMS, PREPAY_SRVS_NOT_BUILT } from './prepay-srs.ts';
import type { AnySrvTransform } from './rule.ts';
import { SECURITY_SRV_TRANSFORMS } from './security-srs.ts';
import { TARIFF_SRV_TRANSFORMS } from './tariff-srs.ts';
import { SRV_TRANSFORMS } from './use-cases.ts';

const TRANSFORM_LISTS: readonly (readonly AnySrvTransform[])[] = [
  SRV_TRANSFORMS,
  DEVICE_SRV_TRANSFORMS,
  DEVICE_SETTING_SRV_TRANSFORMS,
  SECURITY_SRV_TRANSFORMS,
  AUX_LOAD_SRV_TRANSFORMS,
  TARIFF_SRV_TRANSFORMS,
  CONFIG_SRV_TRANSFORMS,
  CREDENTIALS_SRV_TRANSFORMS,
  PREPAY_SRV_TRANSFORMS,
  DEVICE_LOG_SRV_TRANSFORMS,
  DEVICE_CONFIG_SRV_TRANSFORMS,
];

const BY_SRV = new Map<string, AnySrvTransform>();
for (const list of TRANSFORM_LISTS)
  for (const t of list) {
    const def = serviceRequest(t.srv);
    if (!def) throw new Error(`transform for ${t.srv}: not a DUIS V5.4 Service Reference Variant`);
    if (def.class === 'non-device') throw new Error(`transform for ${t.srv}: a non-device SR has no GBCS`);
    if (BY_SRV.has(t.srv)) throw new Error(`transform for ${t.srv} registered twice`);
    if (t.critical !== (def.class === 'critical'))
      throw new Error(`transform for ${t.srv}: critical=${t.critical}, DUIS says ${def.class}`);
    BY_SRV.set(t.srv, t);
  }

/** Device SRVs with no transform for any target, and why (one list per transform module). */
const NOT_BUILT: ReadonlyMap<string, string> = new Map(Object.entries(PREPAY_SRVS_NOT_BUILT));

/** Why this DSP builds no GBCS for a device SRV, where a transform module says so. */
export function notBuiltReason(srv: string): string | undefined {
  return BY_SRV.has(srv) ? undefined : NOT_BUILT.get(srv);
}

/** Every registered transform, one per SRV. */
export const REGISTERED_SRV_TRANSFORMS: readonly AnySrvTransform[] = Object.freeze([...BY_SRV.values()]);

/** The transform of a device SRV, or undefined if this DSP builds no GBCS for it (yet). */
export function srvTransform(srv: string): AnySrvTransform | undefined {
  return BY_SRV.get(srv);
}
