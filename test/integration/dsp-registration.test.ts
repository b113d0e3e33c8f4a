/**
 * The DSP's registration data (src/dcc/dsp/registration.ts) is the one
 * answer to "whose meter is this": a supplier may address only the meters it
 * is registered for (E4 otherwise), a DCC Alert about a CH (DBCH07 to the
 * ACB, passed on as DualBandCHAlert) goes to the registered suppliers of its
 * meters only, an accepted 6.23 makes the requesting supplier the registered
 * one, and the data survives a restart (dsp_registration, migration 038).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseDuisResponse } from '../../src/duis/index.ts';
import { encodeApdu } from '../../src/gbcs/index.ts';
import { encodeAlert, useCaseById } from '../../src/gbcs/use-cases/index.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import {
  ACB,
  CHF,
  ESME,
  OTHER_PARTY,
  OTHER_XML_CERT,
  openTestDsp,
  otherSigner,
  rtdsSecurity,
  SUPPLIER,
  SUPPLIER_USER,
  supplierSigner,
  type TestDsp,
  templateRequest,
} from '../support/dsp-service.ts';

const OTHER_URL = 'http://127.0.0.1:9/receive-other';

describe('DSP registration data: access to meters, DCC Alert recipients, change of supplier', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  let t: TestDsp;
  let counter = 0n;
  let alertCounter = 100n;
  const next = () => {
    counter = BigInt(clock.now()) > counter ? BigInt(clock.now()) : counter + 1n;
    return counter;
  };
  const settle = async () => {
    clock.advance(0);
    await t.dsp.idle();
  };
  /** A DBCH07 from the CHF to the ACB, MAC'd (the ACB's KA key and the CHF's certificate). */
  const dbch07 = () => {
    const row = useCaseById('DBCH07')!;
    const c = ++alertCounter;
    const content = encodeAlert(
      row,
      { alertCode: 0x8f26, timestamp: '2026-01-01T00:00:00.00', channel: '00000000000000000000000000010000' },
      { originatorCounter: c },
    );
    const apdu = encodeApdu({
      cra: 'alert',
      originatorCounter: c,
      originator: CHF,
      recipient: ACB,
      dateTime: null,
      otherInfo: { messageCode: row.code },
      content,
      signature: null,
    });
    return rtdsSecurity().wrap(apdu);
  };
  /** Sends a DBCH07 and returns the Receive Response URLs its DCC Alert was posted to. */
  const alertPostedTo = async () => {
    const from = t.transport.posts.length;
    await t.dsp.onDeviceMessage({ chf: CHF, gbcs: dbch07(), at: clock.now() });
    await settle();
    const posts = t.transport.posts.slice(from);
    for (const p of posts) {
      const r = parseDuisResponse(p.xml);
      assert.ok(r.body.kind === 'DCCAlertMessage' && r.body.alert.name === 'DualBandCHAlert');
    }
    return posts.map((p) => p.url).sort();
  };
  /** A 4.1.1 read of the ESME (ECS17b) from `originator`: its DUIS Response Code. */
  const readEsme = (originator: typeof SUPPLIER, signer: typeof supplierSigner) => {
    const r = t.dsp.handleRequest(
      'serviceS',
      templateRequest('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML', {
        counter: next(),
        originator,
        signer,
      }),
    );
    return parseDuisResponse(r.body).header.responseCode;
  };

  before(async () => {
    t = await openTestDsp('sqlite', { clock });
    // a second import supplier
    t.dsp.registerUser({
      eui: OTHER_PARTY,
      name: 'second import supplier',
      roles: ['IS'],
      xmlSigningCertificates: [OTHER_XML_CERT],
      receiveUrl: OTHER_URL,
    });
  });
  after(async () => {
    await t?.close();
  });

  it('no meter registered: the DCC Alert goes to no one (recorded unroutable), access is by role alone', async () => {
    const unroutable = () => t.dsp.metrics.counter('deviceMessages.alert-unroutable').value;
    const before = unroutable();
    assert.deepEqual(await alertPostedTo(), []);
    assert.equal(unroutable(), before + 1);
    assert.equal(readEsme(SUPPLIER, supplierSigner), 'I99');
    assert.equal(readEsme(OTHER_PARTY, otherSigner), 'I99');
  });

  it('two import suppliers, the ESME registered to one: only it hears of the CH and may address the ESME', async () => {
    t.dsp.registration.set(ESME, SUPPLIER, clock.now());
    assert.deepEqual(await alertPostedTo(), [SUPPLIER_USER.receiveUrl]);
    assert.equal(readEsme(SUPPLIER, supplierSigner), 'I99');
    assert.equal(readEsme(OTHER_PARTY, otherSigner), 'E4');
  });

  it('6.23 by the other supplier: it becomes the registered supplier, gets the next alert; the old one loses both', async () => {
    const reply = t.dsp.handleRequest(
      'serviceS',
      templateRequest('CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML', {
        counter: next(),
        originator: OTHER_PARTY,
        signer: otherSigner,
      }),
    );
    assert.equal(parseDuisResponse(reply.body).header.responseCode, 'I99', reply.body);
    assert.equal(t.dsp.registration.supplierOf(ESME), OTHER_PARTY);
    assert.deepEqual(await alertPostedTo(), [OTHER_URL]);
    assert.equal(readEsme(SUPPLIER, supplierSigner), 'E4');
    assert.equal(readEsme(OTHER_PARTY, otherSigner), 'I99');
  });

  it('the registration survives a restart', async () => {
    await t.dsp.flush();
    const dsp = await t.restart();
    assert.equal(dsp.registration.supplierOf(ESME), OTHER_PARTY);
    assert.deepEqual(await alertPostedTo(), [OTHER_URL]);
  });
});
