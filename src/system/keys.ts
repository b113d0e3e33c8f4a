/**
 * The keys of a running system, generated once and kept under
 * `<data-dir>/keys` so that a restart (and every process of a split
 * deployment pointed at the same data directory) uses the same ones:
 *
 * - `gbcs/`: a GBCS test PKI (src/gbcs/pki.ts) in the RTDS key store layout
 *   (`<eui>[-pp]-<ka|ds>.<pem|key>`): the remote parties of the RTDS roles
 *   (supplier 90B3D51F30010000 with its prepayment key, ACB, WAN provider,
 *   network operator, recovery, transitional CoS, load controller) and every
 *   device of the estate (KA and DS each). Homes added later get their keys
 *   from the same PKI (issue 12).
 * - `ca/`: that PKI's Root and issuing CA (`root.pem|key`,
 *   `issuing-ca.pem|key`), saved with the keys and reused, never
 *   regenerated: every device's root Trust Anchor cell holds the Root public
 *   key, so a CS02b replacement certificate issued later (6.21 handover)
 *   chains to it. A key directory from before issue 12 has no `ca/`: it is
 *   migrated once (a new Root and issuing CA are created and saved; the
 *   certificates already issued keep their old, unsaved issuer, which only a
 *   certification path check would see, and no device checks its own
 *   anchors' paths).
 * - `xml/`: DUIS XML-signing keys and certificates of the supplier and of
 *   the DSP (subject x500UniqueIdentifier = the organisation's EUI; the DSP
 *   signs as the ACB, DUIS.md).
 * - `delivery/supplier.key`: the supplier's delivery key (signs envelopes;
 *   every PPMID is provisioned with its public key, SU-3), and
 *   `delivery/<PPMID>.key`: each PPMID's reporting key (its own secret).
 *
 * What each party holds is cut out of the whole with `keyStoreFor` (its own
 * private keys, everyone's certificates). These are test keys of a
 * demonstration system, not an operational PKI.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateDeviceKeyPem } from '../adapters/pki/index.ts';
import { deliveryKeyId, generateSigningKeyPair, type SigningKeyPair } from '../delivery/index.ts';
import { keyStoreFor } from '../devices/home/profiles.ts';
import { RTDS_PARTIES } from '../devices/security/credentials.ts';
import { type XmlSigner, xmlSigner } from '../duis/index.ts';
import type { KeyStore, MemoryKeyStore } from '../gbcs/keystore.ts';
import { MemoryKeyStore as GbcsMemoryKeyStore } from '../gbcs/keystore.ts';
import { loadKeyStoreDir } from '../gbcs/keystore-dir.ts';
import { createTestPki, TestPki as GbcsTestPki, type IssuedKey, type SavedCa } from '../gbcs/pki.ts';
import { type Eui, normaliseEui } from '../runtime/bytes.ts';
import { Logger } from '../runtime/logger.ts';

const log = Logger.get('system:keys');

/** The remote parties of the system (RTDS EUIs and roles). */
export const SYSTEM_PARTIES = {
  supplier: RTDS_PARTIES.supplier,
  acb: RTDS_PARTIES.acb,
  wanProvider: RTDS_PARTIES.wanProvider,
  networkOperator: RTDS_PARTIES.networkOperator,
  recovery: RTDS_PARTIES.recovery,
  transitionalCoS: RTDS_PARTIES.transitionalCoS,
  loadController: RTDS_PARTIES.loadController,
} as const;

const PARTY_ROLES: Array<[Eui, number, boolean]> = [
  [SYSTEM_PARTIES.supplier, 2, true],
  [SYSTEM_PARTIES.networkOperator, 3, false],
  [SYSTEM_PARTIES.acb, 4, false],
  [SYSTEM_PARTIES.transitionalCoS, 5, false],
  [SYSTEM_PARTIES.wanProvider, 6, false],
  [SYSTEM_PARTIES.recovery, 1, false],
  [SYSTEM_PARTIES.loadController, 8, false],
];

export interface XmlSigningKeys {
  signer: XmlSigner;
  certificatePem: string;
}

export interface SystemKeys {
  /** Every GBCS certificate and private key of the system (cut with `holding`). */
  world: MemoryKeyStore;
  /** DUIS XML signing: the supplier's and the DSP's (as the ACB). */
  xml: { supplier: XmlSigningKeys; dsp: XmlSigningKeys };
  supplierDeliveryKey: SigningKeyPair;
  /** The Root public key of the system's test PKI (one per estate): every device's root Trust Anchor cell. */
  rootPublicKey: KeyObject;
  /**
   * A further remote party's KA and DS certificates from the system's PKI
   * (e.g. the new network operator of a 6.21 handover), with the
   * certification path (the issuing CA, DER) a CS02b carries. Neither kept
   * nor added to `world`: the caller holds them.
   */
  issueRemoteParty(eui: Eui, role: number): Promise<{ ka: IssuedKey; ds: IssuedKey; path: Uint8Array[] }>;
  /**
   * The SMKI Organisation CA certificates (DER) the DSP trusts for Unknown
   * Remote Party reads: the system test PKI's issuing CA (saved in `ca/`).
   */
  smkiOrgCas: Uint8Array[];
  /** The system test PKI (issues URP read certificates from the Org CA the DSP trusts). */
  partyPki: GbcsTestPki;
  /** Where they live (undefined: in memory only). */
  dir: string | undefined;
  /** A key store with every certificate and the private keys of `holders` only. */
  holding(holders: Eui[]): KeyStore;
  /** A PPMID's reporting key (created on first use, kept in `delivery/<EUI>.key`). */
  reportingKey(ppmid: Eui): SigningKeyPair;
  /**
   * A PPMID's own MQTT/TLS key (PKCS#8 PEM, created on first use, kept in
   * `tls/<EUI>.key`) and the certificate the supplier issued for its CSR
   * (`tls/<EUI>.crt`, once saved). Issue 13: the supplier never holds it.
   */
  ppmidTls(ppmid: Eui): { keyPem: string; certPem: string | undefined; saveCertificate(pem: string): void };
}

export interface OpenSystemKeysOptions {
  /** `<data-dir>/keys`; omitted: in memory (tests, benchmarks). */
  dir?: string;
  /** Devices that must have KA and DS keys. */
  devices: Eui[];
}

function pairFromPem(pem: string): SigningKeyPair {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: deliveryKeyId(publicKey) };
}

const pemOf = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Issues the XML-signing key of an organisation (role as GBCS OU, x500UniqueIdentifier = EUI). */
async function issueXmlSigning(eui: Eui, role: number): Promise<IssuedKey> {
  const pki = await createTestPki();
  const { ds } = await pki.addRemoteParty(eui, role, { storePrivateKeys: false });
  return ds;
}

async function issueGbcs(pki: GbcsTestPki, devices: Eui[], withParties: boolean) {
  const issued: IssuedKey[] = [];
  if (withParties)
    for (const [eui, role, prepayment] of PARTY_ROLES) {
      const k = await pki.addRemoteParty(eui, role, { prepayment });
      issued.push(k.ka, k.ds, ...(k.ppKa ? [k.ppKa] : []));
    }
  for (const d of devices) {
    const k = await pki.addDevice(d);
    issued.push(k.ka, k.ds);
  }
  return { store: pki.store, issued };
}

const CA_FILES = { root: 'root', issuingCa: 'issuing-ca' } as const;

function writeCaFiles(caDir: string, cas: { root: SavedCa; issuingCa: SavedCa }): void {
  mkdirSync(caDir, { recursive: true });
  for (const [k, base] of Object.entries(CA_FILES) as Array<[keyof typeof CA_FILES, string]>) {
    writeFileSync(join(caDir, `${base}.pem`), cas[k].certificatePem);
    writeFileSync(join(caDir, `${base}.key`), cas[k].privateKeyPem, { mode: 0o600 });
  }
}

function readCaFiles(caDir: string): { root: SavedCa; issuingCa: SavedCa } {
  const r = (base: string): SavedCa => ({
    certificatePem: readFileSync(join(caDir, `${base}.pem`), 'utf8'),
    privateKeyPem: readFileSync(join(caDir, `${base}.key`), 'utf8'),
  });
  return { root: r(CA_FILES.root), issuingCa: r(CA_FILES.issuingCa) };
}

/**
 * The system PKI of an existing key directory: its saved `ca/`, or (a
 * directory from before issue 12) a new Root and issuing CA created and
 * saved once, through a temporary directory renamed into place so that two
 * processes migrating at once end up with one.
 */
async function openSavedPki(dir: string, world: MemoryKeyStore): Promise<GbcsTestPki> {
  const caDir = join(dir, 'ca');
  if (!existsSync(join(caDir, `${CA_FILES.issuingCa}.key`))) {
    const fresh = await createTestPki();
    const tmp = `${caDir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    writeCaFiles(tmp, fresh.caFiles());
    try {
      renameSync(tmp, caDir);
      log.warn('key directory without a saved test PKI root (before issue 12): created and saved one', {
        dir: caDir,
      });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(caDir, `${CA_FILES.issuingCa}.key`))) throw err;
    }
  }
  return GbcsTestPki.restore(readCaFiles(caDir), { store: world });
}

/**
 * Opens the system's keys from `dir`, creating what is missing (first start:
 * a few seconds for a 20-home estate). Creation writes into a temporary
 * directory and renames it into place, so two processes starting at once end
 * up with one set.
 */
export async function openSystemKeys(o: OpenSystemKeysOptions): Promise<SystemKeys> {
  const devices = [...new Set(o.devices.map(normaliseEui))];
  const dir = o.dir === undefined ? undefined : resolve(o.dir);
  let world: MemoryKeyStore;
  let xml: SystemKeys['xml'];
  let supplierDeliveryKey: SigningKeyPair;
  let pki: GbcsTestPki;
  const gbcsDir = dir && join(dir, 'gbcs');
  if (dir && gbcsDir && existsSync(join(dir, 'complete'))) {
    world = loadKeyStoreDir(gbcsDir);
    const x = (name: string) => {
      const certificatePem = readFileSync(join(dir, 'xml', `${name}.crt`), 'utf8');
      return {
        certificatePem,
        signer: xmlSigner(readFileSync(join(dir, 'xml', `${name}.key`), 'utf8'), certificatePem),
      };
    };
    xml = { supplier: x('supplier'), dsp: x('dsp') };
    supplierDeliveryKey = pairFromPem(readFileSync(join(dir, 'delivery', 'supplier.key'), 'utf8'));
    pki = await openSavedPki(dir, world);
    const missing = devices.filter((d) => !world.privateKey(d, 'ka') || !world.privateKey(d, 'ds'));
    if (missing.length) {
      log.info('issuing keys for new devices', { devices: missing.length });
      const { issued } = await issueGbcs(pki, missing, false);
      for (const f of GbcsTestPki.keystoreFiles(issued))
        writeFileSync(join(gbcsDir, f.name), f.text, { mode: f.name.endsWith('.key') ? 0o600 : 0o644 });
    }
  } else {
    const t0 = Date.now();
    pki = await createTestPki();
    const { store, issued } = await issueGbcs(pki, devices, true);
    world = store;
    const sx = await issueXmlSigning(SYSTEM_PARTIES.supplier, 2);
    const dx = await issueXmlSigning(SYSTEM_PARTIES.acb, 4);
    xml = {
      supplier: { certificatePem: sx.certificatePem, signer: xmlSigner(sx.privateKey, sx.certificatePem) },
      dsp: { certificatePem: dx.certificatePem, signer: xmlSigner(dx.privateKey, dx.certificatePem) },
    };
    supplierDeliveryKey = generateSigningKeyPair();
    if (dir && gbcsDir) {
      const tmp = `${dir}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(join(tmp, 'gbcs'), { recursive: true });
      mkdirSync(join(tmp, 'xml'), { recursive: true });
      mkdirSync(join(tmp, 'delivery'), { recursive: true });
      writeCaFiles(join(tmp, 'ca'), pki.caFiles());
      for (const f of GbcsTestPki.keystoreFiles(issued))
        writeFileSync(join(tmp, 'gbcs', f.name), f.text, { mode: f.name.endsWith('.key') ? 0o600 : 0o644 });
      writeFileSync(join(tmp, 'xml', 'supplier.crt'), sx.certificatePem);
      writeFileSync(join(tmp, 'xml', 'supplier.key'), sx.privateKeyPem, { mode: 0o600 });
      writeFileSync(join(tmp, 'xml', 'dsp.crt'), dx.certificatePem);
      writeFileSync(join(tmp, 'xml', 'dsp.key'), dx.privateKeyPem, { mode: 0o600 });
      writeFileSync(join(tmp, 'delivery', 'supplier.key'), pemOf(supplierDeliveryKey.privateKey), {
        mode: 0o600,
      });
      writeFileSync(join(tmp, 'complete'), `${new Date().toISOString()}\n`);
      try {
        mkdirSync(resolve(dir, '..'), { recursive: true });
        renameSync(tmp, dir);
      } catch (err) {
        // Another process got there first: use its keys.
        rmSync(tmp, { recursive: true, force: true });
        if (existsSync(join(dir, 'complete'))) return openSystemKeys(o);
        throw err;
      }
      log.info('created system keys', { dir, certificates: issued.length, ms: Date.now() - t0 });
    }
  }
  const cas = pki.caFiles();
  const rootPublicKey = pki.rootPublicKey;
  const reporting = new Map<Eui, SigningKeyPair>();
  const tls = new Map<Eui, { keyPem: string; certPem: string | undefined }>();
  return {
    world,
    xml,
    supplierDeliveryKey,
    smkiOrgCas: [pki.issuingCaDer],
    partyPki: pki,
    dir,
    rootPublicKey,
    async issueRemoteParty(eui, role) {
      const side = GbcsTestPki.restore(cas, { store: new GbcsMemoryKeyStore() });
      const { ka, ds } = await side.addRemoteParty(eui, role);
      return { ka, ds, path: [side.issuingCaDer] };
    },
    holding: (holders) => keyStoreFor(world, holders),
    reportingKey(ppmid) {
      const eui = normaliseEui(ppmid);
      let k = reporting.get(eui);
      if (k) return k;
      const file = dir ? join(dir, 'delivery', `${eui}.key`) : undefined;
      if (file && existsSync(file)) k = pairFromPem(readFileSync(file, 'utf8'));
      else {
        k = generateSigningKeyPair();
        if (file) writeFileSync(file, pemOf(k.privateKey), { mode: 0o600 });
      }
      reporting.set(eui, k);
      return k;
    },
    ppmidTls(ppmid) {
      const eui = normaliseEui(ppmid);
      const base = dir ? join(dir, 'tls', eui) : undefined;
      let t = tls.get(eui);
      if (!t) {
        if (base && existsSync(`${base}.key`))
          t = {
            keyPem: readFileSync(`${base}.key`, 'utf8'),
            certPem: existsSync(`${base}.crt`) ? readFileSync(`${base}.crt`, 'utf8') : undefined,
          };
        else {
          t = { keyPem: generateDeviceKeyPem(), certPem: undefined };
          if (base) {
            mkdirSync(join(dir!, 'tls'), { recursive: true, mode: 0o700 });
            writeFileSync(`${base}.key`, t.keyPem, { mode: 0o600 });
          }
        }
        tls.set(eui, t);
      }
      const entry = t;
      return {
        keyPem: entry.keyPem,
        certPem: entry.certPem,
        saveCertificate(pem) {
          entry.certPem = pem;
          if (base) writeFileSync(`${base}.crt`, pem, { mode: 0o600 });
        },
      };
    },
  };
}

/** The certificates of a key directory (for `ppmid-relay up` to report). */
export function countKeyFiles(dir: string): number {
  const g = join(dir, 'gbcs');
  return existsSync(g) ? readdirSync(g).length : 0;
}
