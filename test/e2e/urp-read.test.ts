/**
 * An Unknown Remote Party read end to end (DUIS 4.6.1 with
 * KAPublicSecurityCredentials, src/dcc/dsp/transform/urp.ts) on the running
 * system under a VirtualClock: the supplier orders it with a KA certificate
 * of its own for a key pair made for this read (a test PKI issues it, the
 * supplier's role), the DSP has the ACB originate it with the supplier as
 * Supplementary Remote Party and the certificate in the GBCS header, the
 * SM WAN carries it to the home's ESME, which answers, and the supplier
 * receives the ESME's GBCS response. Its protected content (the import
 * daily read log, ECS21a) opens with the read's KA private key and names
 * the ESME's own log; the supplier's usual KA key does not open it.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decodeMessage,
  findProtectedBlocks,
  GbcsError,
  inspect,
  MemoryKeyStore,
  SecurityContext,
} from '../../src/gbcs/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { SYSTEM_PARTIES } from '../../src/system/keys.ts';
import { untilTerminal } from '../support/supplier-commands.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

const DAY_MS = 86_400_000;
/** The supplier's remote-party role (GBCS OU 02). */
const SUPPLIER_ROLE = 2;

describe('e2e: Unknown Remote Party read (4.6.1 with KAPublicSecurityCredentials), DUIS -> DSP -> WAN -> ESME -> DUIS', () => {
  const suite = virtualSystemSuite('urp-read');
  const { vc } = suite;

  it("the ESME encrypts the daily read log for the certificate's key, not the supplier's usual KA key", async () => {
    const sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const home = sys.estate!.homes[0];
    const esme = home.esme!;
    const supplier = sys.supplier!;
    const supplierEui = SYSTEM_PARTIES.supplier;
    // three midnights pass: the ESME records its daily reads (daily-read-log.ts)
    const later = vc.now() + 3 * DAY_MS;
    await pumpVirtual(vc, () => vc.now() >= later);
    // the read's KA key pair and its certificate (the supplier's EUI and role), issued by the system test
    // PKI's Organisation CA: the one the DSP trusts (keys.ts smkiOrgCas); a separate key store holds it
    const orgPki = sys.keys.partyPki;
    assert.deepEqual(sys.keys.smkiOrgCas, [orgPki.issuingCaDer]);
    const readKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = orgPki.certifyRemotePartyKey(
      supplierEui,
      SUPPLIER_ROLE,
      'ka',
      new Uint8Array(readKey.publicKey.export({ format: 'der', type: 'spki' })),
    );
    const readStore = new MemoryKeyStore();
    readStore.addCertificate(der, 'ka');
    readStore.addPrivateKey(supplierEui, 'ka', readKey.privateKey);
    const c = await pumpVirtualPromise(
      vc,
      supplier.submit({
        premisesId: home.premisesId,
        order: {
          kind: 'duis',
          srv: '4.6.1',
          body: {
            RetrieveImportDailyReadLog: {
              ReadLogPeriod: {
                StartDateTime: new Date(vc.now() - 10 * DAY_MS).toISOString(),
                EndDateTime: new Date(vc.now()).toISOString(),
              },
              KAPublicSecurityCredentials: Buffer.from(der).toString('base64'),
            },
          } as never,
        },
        target: esme.eui,
        route: 'wan',
      }),
    );
    const f = await untilTerminal(supplier, c.id, (done) => pumpVirtual(vc, done));
    assert.equal(f.state, 'responded', `${f.state} ${f.reason ?? ''}`);
    assert.ok(f.response?.gbcs, "the ESME's GBCS response");
    const gbcs = fromHex(f.response.gbcs);
    const m = decodeMessage(gbcs);
    assert.equal(m.originator, esme.eui);
    assert.equal(
      m.otherInfo.supplementaryRemotePartyId,
      supplierEui,
      'answered for the supplier behind the ACB',
    );

    // the requester's key opens it: the ESME's KA certificate and the read's KA private key
    readStore.addCertificate(sys.keys.world.certificate(esme.eui, 'ka')!, 'ka');
    const opened = inspect(gbcs, new SecurityContext({ keyStore: readStore }));
    assert.equal(opened.decrypted.length, 1, 'one protected block, opened with the read key');
    const fields = opened.decrypted[0].fields as {
      importDailyReadLog: Array<{ time: number; activeImport: number }>;
    };
    assert.ok(fields, `named: ${opened.decrypted[0].fieldsError?.message}`);
    const log = esme.stateView.dailyReadLog.entries;
    assert.ok(log.length >= 3, `${log.length} daily reads`);
    assert.deepEqual(
      fields.importDailyReadLog.map((e) => [e.time, e.activeImport]),
      log.map((e) => [e.time, e.activeImportWh]),
    );

    // the supplier's usual KA key does not
    const usual = new SecurityContext({ keyStore: sys.keys.holding([supplierEui]) });
    const blocks = findProtectedBlocks(m.content);
    const blk = blocks.find((b) => b.offset === opened.decrypted[0].offset)!;
    assert.throws(
      () => usual.decryptPayload(m.content.subarray(blk.offset, blk.offset + blk.length), m),
      (e: unknown) => e instanceof GbcsError && e.code === 'GBCS_DECRYPT_FAILED',
    );
    assert.equal(inspect(gbcs, usual).decrypted.length, 0);
  });
});
