/**
 * 3.5 Disable Privacy PIN: to an ESME it is ECS14 (RTDS, test/dsp-transform.test.ts); to a GSME it becomes
 * GCS11 from the GBCS V3.1 use-case tables (no RTDS example): an XSD-shaped request decodes back through the
 * catalogue to the Request New Password Response GBCS prescribes; another device type is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsContext } from '../../../../test/support/dsp-transform.ts';
import { xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand, useCaseById } from '../../../gbcs/use-cases/index.ts';
import { DspTransformError, transformServiceRequest } from './index.ts';

const GSME = '00DB1234567890A1';
const GPF = '00DB1234567890A3';

function transform(target: string, counter: number) {
  const xml = xsdShapedRequest({ srv: '3.5', cv: 1, target, counter, body: '<sr:DisablePrivacyPIN/>' });
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, v.errors.join('; '));
  return transformServiceRequest(parseDuisRequest(xml), rtdsContext());
}

describe('3.5 Disable Privacy PIN to a GSME (GCS11)', () => {
  it('becomes GCS11: consumer menu password type, empty password, duration 0, now', () => {
    const r = transform(GSME, 7001);
    const m = decodeMessage(r.gbcs);
    assert.equal(m.messageCode, useCaseById('GCS11')!.code);
    const f = decodeCommand(m.messageCode, m.content).fields as {
      privacyPin: Record<string, unknown>;
    };
    assert.equal(typeof f.privacyPin.issuerEventId, 'number');
    assert.deepEqual(
      { ...f.privacyPin, issuerEventId: 0 },
      { issuerEventId: 0, implementationDateTime: 0, durationInMinutes: 0, passwordType: 2, password: '' },
    );
  });

  it('is refused for a GPF (DUIS: ESME or GSME only)', () => {
    assert.throws(
      () => transform(GPF, 7002),
      (e) => e instanceof DspTransformError,
    );
  });
});
