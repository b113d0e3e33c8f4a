/**
 * A small CSP estate for the CHM: N homes (CHF + GPF + an enhanced PPMID on a
 * HAN), each behind its own SM WAN connection, and the CHM on a store. Real
 * parts end to end: the CHFs of devices/chf raise real GBCS alerts, the SM
 * WAN of dcc/wan carries them, the CHM's Block / Unblock go down as real
 * critical commands that the CHF verifies. Used by the CHM tests, the
 * `ppmid-relay chm serve --demo` estate and the browser test.
 *
 * Keys: one test PKI (the `generated` profile's parties: ACB, WAN provider
 * 90B3D51F30000007 with role 6, supplier ...) plus a fresh CHF and GPF key
 * pair per extra home. The CHM holds the WAN provider's and the ACB's
 * private keys; each CHF holds only its own.
 */
import type { Store } from '../../adapters/store/open.ts';
import { Home } from '../../devices/home/home.ts';
import {
  derivedInstallCode,
  type HomeProfile,
  keyStoreFor,
  loadProfile,
} from '../../devices/home/profiles.ts';
import type { KeyStore, MemoryKeyStore } from '../../gbcs/keystore.ts';
import { createTestPki } from '../../gbcs/pki.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import { SeededRandom } from '../../runtime/random.ts';
import type { AvailabilityModel } from '../wan/models.ts';
import { SmWan, type SmWanConfig } from '../wan/sm-wan.ts';
import { Chm } from './chm.ts';

export interface EstateHome {
  chf: Eui;
  gpf: Eui;
  ppmid: Eui;
  home: Home;
}

export interface ChmEstate {
  profile: HomeProfile;
  /** every certificate and private key of the estate (the test world) */
  world: MemoryKeyStore;
  /** what the CHM holds: all certificates, the WAN provider's and the ACB's private keys */
  chmKeys: KeyStore;
  wan: SmWan;
  chm: Chm;
  homes: EstateHome[];
  home(chf: Eui): EstateHome;
}

export interface ChmEstateOptions {
  clock: Clock;
  store: Store;
  /** number of homes (default 3) */
  homes?: number;
  seed?: string | number;
  wan?: Partial<SmWanConfig>;
  /** availability per home index (default: always) */
  availability?: (i: number) => AvailabilityModel;
  /** a profile to reuse (key generation is the slow part) */
  profile?: HomeProfile;
}

/** CHF EUI of estate home `i` (home 0 is the profile's CHF 00DB1234567890A2). */
export function estateChf(i: number): Eui {
  return i === 0
    ? '00DB1234567890A2'
    : `00DB12345679${(i * 16 + 2).toString(16).toUpperCase().padStart(4, '0')}`;
}

export async function createChmEstate(o: ChmEstateOptions): Promise<ChmEstate> {
  const profile = o.profile ?? (await loadProfile('generated'));
  const world = profile.world;
  const n = o.homes ?? 3;
  const plan = Array.from({ length: n }, (_, i) => {
    if (i === 0) return { chf: profile.euis.chf, gpf: profile.euis.gpf, ppmid: profile.euis.ppmid };
    const chf = estateChf(i);
    const base = chf.slice(0, 14);
    const last = Number.parseInt(chf.slice(14), 16);
    const hex = (v: number) => `${base}${(v & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
    return { chf, gpf: hex(last + 1), ppmid: hex(last + 2) };
  });
  const missing = plan.filter((p) => !world.privateKey(p.chf, 'ds'));
  if (missing.length) {
    const pki = await createTestPki({ store: world });
    for (const p of missing) {
      await pki.addDevice(p.chf);
      await pki.addDevice(p.gpf);
    }
  }
  const chmKeys = keyStoreFor(world, [profile.wanProvider, profile.acb]);
  const random = new SeededRandom(o.seed ?? 'chm-estate');
  const wan = new SmWan({
    clock: o.clock,
    random: random.fork('wan'),
    config: { wanProvider: profile.wanProvider, latency: { kind: 'fixed', ms: 200 }, ...o.wan },
  });
  const chm = new Chm({
    clock: o.clock,
    store: o.store,
    keyStore: chmKeys,
    wanProvider: profile.wanProvider,
    acb: profile.acb,
    downlink: wan,
  });
  wan.setChmSink(chm);
  const homes: EstateHome[] = plan.map((p, i) => {
    const link = wan.addCh({ chf: p.chf, gpf: p.gpf, availability: o.availability?.(i) });
    const home = new Home({
      clock: o.clock,
      random: random.fork(`home:${p.chf}`),
      wan: link,
      name: `home-${i}`,
      chf: { eui: p.chf, gpfEui: p.gpf, keyStore: keyStoreFor(world, [p.chf, p.gpf]), acb: profile.acb },
    });
    link.attachReceiver((bytes) => home.chf.receiveFromWan(bytes));
    return { ...p, home };
  });
  return {
    profile,
    world,
    chmKeys,
    wan,
    chm,
    homes,
    home(chf: Eui) {
      const h = homes.find((x) => x.chf === chf.toUpperCase());
      if (!h) throw new RangeError(`no home with CHF ${chf}`);
      return h;
    },
  };
}

/** Adds the home's enhanced PPMID (relay flag set) and powers it on: the CHF raises PPMID Connected (CH-5). */
export function connectPpmid(h: EstateHome): void {
  if (h.home.deviceEuis().includes(h.ppmid)) {
    h.home.setOnline(h.ppmid, true);
    return;
  }
  h.home.addDevice({
    eui: h.ppmid,
    deviceType: 'PPMID',
    installCode: derivedInstallCode(h.ppmid),
    relayEnabled: true,
  });
}

/**
 * The PPMID of the home sends `bytes` to the CH over its tunnel (as a
 * compromised or misconfigured PPMID would): the CHF routes it as PPMID
 * traffic and discards what CH-2 forbids, raising PPMID Relay Rejected.
 */
export function ppmidSends(h: EstateHome, bytes: Uint8Array): void {
  h.home.tunnelNode(h.ppmid).send(bytes);
}
