/**
 * The DSP service's configuration file (JSON), for `ppmid-relay dsp serve`.
 * Paths are relative to the file's folder. Example (docs/dsp.md):
 *
 *   {
 *     "keystore": "../shared/fixtures/rtds/keystore",
 *     "xmlSigningKey": "keys/dsp-xml-sign.key",            // PKCS#8, DER or PEM
 *     "xmlSigningCertificate": "keys/dsp-xml-sign.pem",
 *     "acb": "90-B3-D5-1F-30-00-00-02",                    // optional, default the RTDS ACB
 *     "users": [{ "eui": "90-B3-D5-1F-30-01-00-00", "roles": ["IS", "GS"],
 *                 "xmlSigningCertificates": ["keys/supplier-xml.pem"],
 *                 "gbcsCertificates": [], "receiveUrl": "http://127.0.0.1:8090/duis",
 *                 "policies": { "noWanCommissioning": false } }],
 *     "inventory": [{ "eui": "00DB1234567890A0", "deviceType": "ESME", "chf": "00DB1234567890A2",
 *                     "csp": "csp-north", "esmeVariant": "single" }],
 *     "registration": { "00DB1234567890A0": "90-B3-D5-1F-30-01-00-00" },   // meter -> supplier user
 *     "tariff": { "currency": "GBP", "rates": { "non-critical": { "2": 2, "3": 3 } } },
 *     "responseTimeoutMs": 86400000,
 *     "xsdValidation": true
 *   }
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type XmlSigner, xmlSigner } from '../../duis/index.ts';
import { loadKeyStoreDir, MemoryKeyStore } from '../../gbcs/index.ts';
import { normaliseEui } from '../../runtime/bytes.ts';
import { checkTariff, type LocalDeliveryTariff } from './charges.ts';
import type { WanCoverageEntry } from './enrolment.ts';
import { DspServiceError } from './errors.ts';
import { normaliseInventoryDevice } from './inventory.ts';
import { type DspUserInput, normaliseUser, type UserRole } from './users.ts';

export interface DspConfig {
  keyStore: MemoryKeyStore;
  acb?: string;
  xmlSigner: XmlSigner;
  users: DspUserInput[];
  inventory: Array<Parameters<typeof normaliseInventoryDevice>[0]>;
  tariff?: LocalDeliveryTariff;
  responseTimeoutMs?: number;
  xsdValidation?: boolean;
  /** 12.1 Request WAN Matrix coverage rows (enrolment.ts WanCoverageEntry). */
  wanCoverage?: WanCoverageEntry[];
  /** Registration data: meter EUI -> its registered supplier user's EUI (registration.ts). */
  registration?: Record<string, string>;
}

interface RawUser {
  eui: string;
  name?: string;
  roles: UserRole[];
  xmlSigningCertificates: string[];
  gbcsCertificates?: string[];
  receiveUrl: string;
  status?: 'active' | 'suspended';
  policies?: { noWanCommissioning?: boolean };
}

function fail(path: string, why: string): never {
  throw new DspServiceError('DSP_CONFIG', `${path}: ${why}`);
}

/** Reads and checks a DSP configuration file (throws DSP_CONFIG with the reason). */
export function loadDspConfig(path: string): DspConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    fail(path, `not readable JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const base = dirname(resolve(path));
  const file = (p: unknown, what: string): string => {
    if (typeof p !== 'string' || p === '') fail(path, `${what} must be a path`);
    return resolve(base, p);
  };
  const read = (p: unknown, what: string): Buffer => {
    const f = file(p, what);
    try {
      return readFileSync(f);
    } catch (e) {
      fail(path, `${what} ${f}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const text = (p: unknown, what: string) => read(p, what).toString('utf8');
  const keyBytes = read(raw.xmlSigningKey, 'xmlSigningKey');
  const key = keyBytes.toString('utf8').includes('-----BEGIN')
    ? keyBytes.toString('utf8')
    : new Uint8Array(keyBytes);
  const signer = xmlSigner(key, text(raw.xmlSigningCertificate, 'xmlSigningCertificate'));
  const keyStore = loadKeyStoreDir(file(raw.keystore, 'keystore'));
  if (!Array.isArray(raw.users)) fail(path, 'users must be a list');
  const users = (raw.users as RawUser[]).map((u, i): DspUserInput => {
    const input: DspUserInput = {
      eui: u.eui,
      roles: u.roles,
      receiveUrl: u.receiveUrl,
      xmlSigningCertificates: (u.xmlSigningCertificates ?? []).map((c, k) =>
        text(c, `users[${i}].xmlSigningCertificates[${k}]`),
      ),
      gbcsCertificates: (u.gbcsCertificates ?? []).map((c, k) =>
        text(c, `users[${i}].gbcsCertificates[${k}]`),
      ),
    };
    if (u.name !== undefined) input.name = u.name;
    if (u.status !== undefined) input.status = u.status;
    if (u.policies !== undefined) input.policies = u.policies;
    normaliseUser(input); // fail early, with the user's EUI in the message
    return input;
  });
  if (!Array.isArray(raw.inventory)) fail(path, 'inventory must be a list');
  const inventory = raw.inventory as DspConfig['inventory'];
  for (const d of inventory) normaliseInventoryDevice(d);
  const out: DspConfig = { keyStore, xmlSigner: signer, users, inventory };
  if (raw.acb !== undefined) out.acb = normaliseEui(String(raw.acb));
  if (raw.tariff !== undefined) out.tariff = checkTariff(raw.tariff as LocalDeliveryTariff);
  if (raw.responseTimeoutMs !== undefined) {
    const n = Number(raw.responseTimeoutMs);
    if (!(n > 0)) fail(path, 'responseTimeoutMs must be > 0');
    out.responseTimeoutMs = n;
  }
  if (raw.xsdValidation !== undefined) out.xsdValidation = raw.xsdValidation === true;
  if (raw.registration !== undefined) {
    const r = raw.registration;
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      fail(path, 'registration must be an object: meter EUI -> supplier user EUI');
    out.registration = {};
    for (const [meter, supplier] of Object.entries(r as Record<string, unknown>)) {
      try {
        out.registration[normaliseEui(meter)] = normaliseEui(String(supplier));
      } catch (e) {
        fail(path, `registration ${JSON.stringify(meter)}: ${String(e)}`);
      }
    }
  }
  if (raw.wanCoverage !== undefined) {
    if (!Array.isArray(raw.wanCoverage)) fail(path, 'wanCoverage must be a list');
    for (const e of raw.wanCoverage as WanCoverageEntry[])
      if (
        !e ||
        typeof e.region !== 'string' ||
        typeof e.available !== 'boolean' ||
        typeof e.technology !== 'string' ||
        !['High', 'Medium', 'Low'].includes(e.likelihood) ||
        (e.uprn === undefined && e.postCodePrefix === undefined)
      )
        fail(
          path,
          'wanCoverage rows need region, available, technology, likelihood and uprn or postCodePrefix',
        );
    out.wanCoverage = raw.wanCoverage as WanCoverageEntry[];
  }
  if (!(keyStore instanceof MemoryKeyStore)) fail(path, 'keystore did not load');
  return out;
}
