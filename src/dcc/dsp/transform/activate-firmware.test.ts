/**
 * Issue 17: 11.3 Activate Firmware (CS06) to every device type DUIS allows.
 * - CHF, GPF: the user originates and signs, as to a meter: the Pre-Command
 *   equals the RTDS CS06 PRECOMMAND (ESME) byte for byte but for the
 *   recipient, for the immediate, future-dated and cancellation variants.
 * - PPMID, HCALCS (no supplier cell): the ACB originates for the user
 *   (Supplementary Remote Party), the user signs the Pre-Command (checked,
 *   DSP-2) and the DSP signs the command as the ACB; the payload is the
 *   RTDS one. A Pre-Command signed by anyone else, or not the ACB's, is refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  readRtds,
  rtdsContext,
  rtdsKeyStore,
  TEMPLATES_DIR,
} from '../../../../test/support/dsp-transform.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { decodeMessage, SecurityContext, signApdu } from '../../../gbcs/index.ts';
import { fromHex, toHex } from '../../../runtime/bytes.ts';
import {
  completeSignedPreCommandResult,
  DspPreCommandInvalidError,
  DspPreCommandMismatchError,
  DspSignatureInvalidError,
  transformServiceRequest,
} from './index.ts';

const ESME = '00DB1234567890A0';
const TARGETS = {
  CHF: '00DB1234567890A2',
  GPF: '00DB1234567890A3',
  PPMID: '00DB1234567890A4',
  HCALCS: '00DB1234567890A5',
};
const SUPPLIER = '90B3D51F30010000';
const ACB = '90B3D51F30000002';
const dashed = (eui: string) => eui.match(/../g)!.join('-');
const VARIANTS = ['IMMEDIATE', 'FUTURE_DATED', 'CANCELLATION'] as const;

function request(variant: (typeof VARIANTS)[number], target: string) {
  const xml = readFileSync(join(TEMPLATES_DIR, `CS06_11.3_${variant}_SUCCESS_REQUEST_DUIS.XML`), 'utf8');
  return parseDuisRequest(xml.replace(dashed(ESME), dashed(target)));
}
const rtds = (variant: string, kind: string) =>
  fromHex(readRtds(`11.3_CS06/CS06_11.3_${variant}_SUCCESS_${kind}_GBCS.HEX`)!);
/** The user's signature on a Pre-Command (CV 5: the Signed Pre-Command it returns). */
const userSigns = (pre: Uint8Array, by = SUPPLIER) => signApdu(pre, rtdsKeyStore().privateKey(by, 'ds')!);

describe('11.3 CS06 to a CHF or GPF: the user originates and signs, as to a meter', () => {
  for (const [type, eui] of [
    ['CHF', TARGETS.CHF],
    ['GPF', TARGETS.GPF],
  ] as const) {
    for (const variant of VARIANTS) {
      it(`${type} ${variant}: the RTDS Pre-Command but for the recipient; CV 5 adds the ACB MAC only`, () => {
        const req = request(variant, eui);
        const r = transformServiceRequest(req, rtdsContext());
        assert.equal(r.kind, 'pre-command');
        assert.equal(r.useCase, 'CS06');
        assert.equal(r.targetType, type);
        assert.equal(r.originator, SUPPLIER);
        const expected = toHex(rtds(variant, 'PRECOMMAND')).replace(ESME, eui);
        assert.equal(toHex(r.gbcs), expected);
        const done = completeSignedPreCommandResult(userSigns(r.gbcs), rtdsContext(), {
          requestId: req.header.requestId,
          srv: '11.3',
        });
        const m = decodeMessage(done.gbcs);
        assert.equal(m.originator, SUPPLIER);
        assert.equal(new SecurityContext({ keyStore: rtdsKeyStore() }).verifySignature(m), 'valid');
        assert.equal(new SecurityContext({ keyStore: rtdsKeyStore() }).verifyMac(m), 'valid');
      });
    }
  }
});

describe('11.3 CS06 to a PPMID or HCALCS: the ACB originates for the user and signs after the user', () => {
  for (const [type, eui] of [
    ['PPMID', TARGETS.PPMID],
    ['HCALCS', TARGETS.HCALCS],
  ] as const) {
    for (const variant of VARIANTS) {
      it(`${type} ${variant}: the RTDS payload, the ACB in the header, the user as Supplementary Remote Party`, () => {
        const req = request(variant, eui);
        const userCounter = req.header.requestId.counter;
        const r = transformServiceRequest(req, rtdsContext({ acbCounter: 0x700n }));
        assert.equal(r.kind, 'pre-command');
        assert.equal(r.originator, ACB);
        assert.equal(r.businessOriginator, SUPPLIER);
        const pre = decodeMessage(r.gbcs);
        assert.equal(pre.originatorCounter, 0x700n);
        assert.equal(pre.otherInfo.supplementaryRemotePartyId, SUPPLIER);
        assert.equal(pre.otherInfo.supplementaryRemotePartyCounter, userCounter);
        // the payload is RTDS's but for the Originator Counter it repeats (the ACB's here)
        const ref = decodeMessage(rtds(variant, 'PRECOMMAND'));
        assert.equal(
          toHex(pre.content).replace(
            '02020700',
            `0202${userCounter.toString(16).toUpperCase().padStart(4, '0')}`,
          ),
          toHex(ref.content),
        );
        const done = completeSignedPreCommandResult(userSigns(r.gbcs), rtdsContext(), {
          requestId: req.header.requestId,
          srv: '11.3',
          issuedPreCommand: r.gbcs,
        });
        assert.equal(done.originator, ACB);
        const m = decodeMessage(done.gbcs);
        const sec = new SecurityContext({ keyStore: rtdsKeyStore() });
        assert.equal(sec.verifySignature(m), 'valid', 'signed by the ACB (the header originator)');
        assert.equal(sec.verifyMac(m), 'valid');
        assert.equal(m.otherInfo.supplementaryRemotePartyId, SUPPLIER);
        assert.equal(toHex(m.content), toHex(pre.content));
      });
    }
  }

  it('refused: signed by another party than the user, or a Pre-Command the ACB does not originate', () => {
    const r = transformServiceRequest(
      request('IMMEDIATE', TARGETS.PPMID),
      rtdsContext({ acbCounter: 0x701n }),
    );
    const expect = {
      requestId: { originator: SUPPLIER, target: TARGETS.PPMID, counter: 1000n },
      srv: '11.3',
    };
    // the ACB's own signature does not stand for the user's
    assert.throws(
      () => completeSignedPreCommandResult(userSigns(r.gbcs, ACB), rtdsContext(), expect),
      DspSignatureInvalidError,
    );
    // the user's own CS06 to a PPMID (the meters' form): not what this DSP issues there
    const meterForm = transformServiceRequest(request('IMMEDIATE', TARGETS.CHF), rtdsContext());
    const asPpmid = fromHex(toHex(meterForm.gbcs).replace(TARGETS.CHF, TARGETS.PPMID));
    assert.throws(
      () => completeSignedPreCommandResult(userSigns(asPpmid), rtdsContext(), expect),
      DspPreCommandInvalidError,
    );
    // another RequestID than the user's
    assert.throws(
      () =>
        completeSignedPreCommandResult(userSigns(r.gbcs), rtdsContext(), {
          ...expect,
          requestId: { ...expect.requestId, counter: 999n },
        }),
      DspPreCommandMismatchError,
    );
  });
});
