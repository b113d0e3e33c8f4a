/**
 * The ESME's own key pairs (issue 12, meter-common/device-credentials.ts):
 * CS02c generates a key pair and answers its certification request (the RTDS
 * 6.17 layout), a certificate for that key installed by CS02d becomes the
 * meter's (CS02e reads it back, responses are then signed with the new key,
 * it survives snapshot / restore); a certificate for no key the meter holds,
 * or another device's, is refused (3: CS02d's response is a bare INTEGER,
 * RTDS 6.15.2 ERROR) and changes nothing; a failed key store answers 3. RTDS commands rebuilt with fresh counters.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { children, readTlv } from '../../gbcs/asn1.ts';
import { ecdsaVerify } from '../../gbcs/crypto.ts';
import { createTestPki, decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { p256Spki } from '../../gbcs/pki.ts';
import { decodeCommand, decodeResponse, encodeCommand } from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { keyStoreFault } from '../meter-common/device-credentials.ts';
import { rebuildCommand } from '../meter-common/test-support.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { Esme } from './esme.ts';
import { type EsmeMeter, esmeTestRig, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const FIXTURE = {
  CS02c: '6.17_CS02c/CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX',
  CS02d: '6.15.2_CS02d/CS02d_6.15.2_SUCCESS_COMMAND_GBCS.HEX',
  CS02e: '6.24.2_CS02e/CS02e_6.24.2_SUCCESS_COMMAND_GBCS.HEX',
} as const;
const DS = '1';
const KA = '00001';

/** Sends the RTDS command of `useCase` with `fields` and a fresh counter; the response's fields and message. */
function sender(m: EsmeMeter) {
  let counter = 5000n;
  return (useCase: keyof typeof FIXTURE, fields: unknown) => {
    const base = decodeMessage(rtdsFixture(FIXTURE[useCase], 'COMMAND'));
    counter += 1n;
    const content = encodeCommand(useCase, fields, { originatorCounter: counter });
    const r = m.deliver(rebuildCommand(rig.profile.remote, base, { counter, content }));
    assert.ok(r.response, `${useCase}: no response (${r.ev?.decision} ${r.ev?.reason})`);
    const message: GbcsMessage = r.response;
    return {
      ev: r.ev,
      fields: decodeResponse(useCase, message.content).fields as Record<string, unknown>,
      message,
    };
  };
}

/** The parts of a CertificationRequest: info, its SubjectPublicKeyInfo, signature. */
function csrParts(der: Uint8Array) {
  const outer = readTlv(der, 0).value;
  const [info, , sig] = children(outer);
  const [, , spki] = children(info!.value);
  return {
    info: outer.subarray(info!.offset, info!.end),
    spki: info!.value.subarray(spki!.offset, spki!.end),
    signature: sig!.value.subarray(1),
  };
}

describe('ESME device credentials (CS02c / CS02d / CS02e)', () => {
  it('CS02c answers a certification request for a new key, signed with it, in the RTDS layout', () => {
    const m = rig.meter();
    const send = sender(m);
    const r = send('CS02c', { keyUsage: DS });
    assert.equal(r.ev?.reason, 'OK');
    const csr = fromHex(String(r.fields.certificationRequest));
    const mine = csrParts(csr);
    const key = createPublicKey({ key: Buffer.from(mine.spki), format: 'der', type: 'spki' });
    assert.ok(
      verify('sha256', mine.info, { key, dsaEncoding: 'der' }, mine.signature),
      'signed with the new key',
    );
    // the reference request with its key and signature replaced is this one
    const reference = decodeMessage(rtdsFixture('CS02c_6.17_SUCCESS_RESPONSE_GBCS.HEX'));
    const ref = fromHex(
      String(
        (decodeResponse('CS02c', reference.content).fields as Record<string, unknown>).certificationRequest,
      ),
    );
    const theirs = csrParts(ref);
    const strip = (p: ReturnType<typeof csrParts>) => toHex(p.info).replace(toHex(p.spki), '<spki>');
    assert.equal(strip(mine), strip(theirs));
    // the key in use has not changed: the request's key is not the meter's DS certificate's
    const inUse = send('CS02e', { keyUsage: DS });
    assert.notEqual(toHex(mine.spki), toHex(p256Spki(rig.profile.credentials.dsCertificate.publicKey)));
    assert.equal(inUse.fields.deviceCertificate, toHex(rig.profile.credentials.dsCertificate.der));
  });

  it('CS02d installs the certificate of the CS02c key: CS02e reads it back, responses are signed with it, it survives restore', async () => {
    const m = rig.meter();
    const send = sender(m);
    const csr = csrParts(fromHex(String(send('CS02c', { keyUsage: DS }).fields.certificationRequest)));
    const pki = await createTestPki();
    const cert = pki.certifyDeviceKey(
      RTDS_DEVICES.esme,
      'ds',
      createPublicKey({ key: Buffer.from(csr.spki), format: 'der', type: 'spki' }),
    );
    const d = send('CS02d', toHex(cert.der));
    assert.equal(d.fields as unknown, 0);
    const e = send('CS02e', { keyUsage: DS });
    assert.equal(e.fields.deviceCertificate, toHex(cert.der));
    assert.ok(e.message.signature, 'CS02e answers signed');
    assert.ok(
      ecdsaVerify(e.message.signedData, e.message.signature, cert.publicKey),
      'signed with the new key',
    );
    // a second CS02d of the same certificate is accepted (the key in use); the waiting pair is gone
    assert.equal(send('CS02d', toHex(cert.der)).fields as unknown, 0);
    const copy = new Esme({
      eui: RTDS_DEVICES.esme,
      clock: m.clock,
      credentials: rig.profile.credentials,
      trustAnchors: rig.profile.trustAnchors,
    });
    copy.restore(m.esme.snapshot());
    assert.equal(toHex(copy.security.ownCredentials.dsCertificate.der), toHex(cert.der));
  });

  it('a certificate for no key the meter holds, or for another device, is refused (3) and changes nothing', async () => {
    const m = rig.meter();
    const send = sender(m);
    send('CS02c', { keyUsage: DS });
    const before = JSON.stringify(m.esme.stateView.credentials);
    const pki = await createTestPki();
    const stranger = await pki.addDevice(RTDS_DEVICES.esme);
    const other = await pki.addDevice(RTDS_DEVICES.gsme);
    for (const c of [stranger.ds.certificate, other.ds.certificate, stranger.ka.certificate]) {
      const r = send('CS02d', toHex(c.der));
      assert.equal(r.fields as unknown, 3);
      assert.equal(r.ev?.reason, 'FAILED');
      // the handler's refusal (CS02d answers a bare INTEGER), not the answer to a response it failed to build
      assert.equal(typeof r.ev?.detail?.refused, 'string', JSON.stringify(r.ev?.detail));
    }
    assert.equal(JSON.stringify(m.esme.stateView.credentials), before);
    assert.equal(
      send('CS02e', { keyUsage: DS }).fields.deviceCertificate,
      toHex(rig.profile.credentials.dsCertificate.der),
    );
    // the RTDS certificate (the RTDS ESME's key, which this meter never generated) is refused too
    const ref = decodeMessage(rtdsFixture(FIXTURE.CS02d, 'COMMAND'));
    assert.equal(send('CS02d', decodeCommand('CS02d', ref.content).fields).fields as unknown, 3);
  });

  it('a failed KA key store answers 3 to CS02c and CS02e for KA; DS still works', () => {
    const m = rig.meter();
    const send = sender(m);
    m.esme.backchannel.hardwareFault(keyStoreFault('ka'));
    assert.equal(send('CS02c', { keyUsage: KA }).fields.responseCode, 3);
    assert.equal(send('CS02e', { keyUsage: KA }).fields.responseCode, 3);
    assert.deepEqual(m.esme.stateView.credentials.deviceKeys.pending, {});
    assert.equal(
      send('CS02e', { keyUsage: DS }).fields.deviceCertificate,
      toHex(rig.profile.credentials.dsCertificate.der),
    );
    m.esme.backchannel.hardwareFault(keyStoreFault('ka'), false);
    assert.equal(
      send('CS02e', { keyUsage: KA }).fields.deviceCertificate,
      toHex(rig.profile.credentials.kaCertificate!.der),
    );
  });
});
