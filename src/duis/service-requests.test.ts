import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RTDS_MESSAGES } from '../../test/support/fixtures.ts';
import {
  COMMAND_VARIANTS,
  isCommandVariantAllowed,
  isLocalDeliveryCommandVariant,
  isSignedPreCommandVariant,
  isSynchronousCommandVariant,
  isWanCommandVariant,
  SERVICE_REQUESTS,
  serviceRequest,
  serviceRequestByBodyElement,
} from './service-requests.ts';
import { choiceOf, enumeration, futureDatingOfType } from './xsd-facts.test-support.ts';

// The XSD's CV annotations for these SRVs disagree with the RTDS reference data (see service-requests.ts header).
const DOCUMENTED_CV_DEVIATIONS: Record<string, string> = {
  '7.12': '4, 5, 6, 7',
  '7.13': '4, 5, 6, 7',
  '7.14': '1, 2, 3',
  '7.15': '1, 2, 3',
};

describe('DUIS service-request catalogue against the DUIS V5.4 XSD', () => {
  const srvs = enumeration('ServiceReferenceVariant');
  const bodyChoice = choiceOf('Request', 'Body');

  it('covers every enumerated ServiceReferenceVariant, in schema order (129)', () => {
    assert.equal(srvs.length, 129);
    assert.deepEqual(
      SERVICE_REQUESTS.map((d) => d.srv),
      srvs.map((s) => s.value),
    );
  });

  it('names the Body element of each SRV; the Body choice follows the SRV list one to one, then SignedPreCommand', () => {
    assert.equal(bodyChoice.length, 130);
    assert.deepEqual(
      SERVICE_REQUESTS.map((d) => d.bodyElement),
      bodyChoice.slice(0, 129).map((c) => c.name),
    );
    assert.equal(bodyChoice[129].name, 'SignedPreCommand');
    assert.equal(serviceRequest('4.1.1')?.bodyElement, 'ReadInstantaneousImportRegisters');
    assert.equal(serviceRequest('2.2')?.bodyElement, 'TopUpDevice');
    assert.equal(serviceRequestByBodyElement('ReturnLocalCommandResponse')?.srv, '8.13');
  });

  it('takes the Command Variants from the XSD annotations (documented deviations only)', () => {
    for (const [i, s] of srvs.entries()) {
      const d = SERVICE_REQUESTS[i];
      const expected = DOCUMENTED_CV_DEVIATIONS[s.value] ?? s.comment?.replace(/^CV = /, '');
      assert.equal(d.commandVariants.join(', '), expected, s.value);
    }
  });

  it('has 37 critical, 76 non-critical and 16 non-device SRs (DUIS)', () => {
    const count = (c: string) => SERVICE_REQUESTS.filter((d) => d.class === c).length;
    assert.equal(count('critical'), 37);
    assert.equal(count('non-critical'), 76);
    assert.equal(count('non-device'), 16);
    for (const srv of ['1.1.1', '1.6', '7.1', '7.2', '8.1.1', '11.3'])
      assert.equal(serviceRequest(srv)?.class, 'critical');
    for (const srv of ['2.2', '4.1.1', '8.11', '11.2'])
      assert.equal(serviceRequest(srv)?.class, 'non-critical');
    for (const srv of ['8.13', '11.1', '11.4']) assert.equal(serviceRequest(srv)?.class, 'non-device');
  });

  it('class and CVs are consistent: critical never 1/2/3, non-critical never 4-8, non-device only 8', () => {
    for (const d of SERVICE_REQUESTS) {
      if (d.class === 'critical')
        assert.ok(
          d.commandVariants.every((cv) => cv >= 4 && cv <= 7),
          d.srv,
        );
      if (d.class === 'non-critical')
        assert.ok(
          d.commandVariants.every((cv) => cv <= 3),
          d.srv,
        );
      if (d.class === 'non-device') assert.deepEqual(d.commandVariants, [8], d.srv);
      assert.equal(d.deviceTypes.length === 0, d.class === 'non-device', d.srv);
    }
  });

  it('takes future dating from the body type (ExecutionDateTime)', () => {
    for (const [i, c] of bodyChoice.slice(0, 129).entries()) {
      assert.equal(SERVICE_REQUESTS[i].futureDating, futureDatingOfType(c.type!), SERVICE_REQUESTS[i].srv);
    }
  });

  it('derives ServiceReference values that the XSD enumerates', () => {
    const srs = new Set(enumeration('ServiceReference').map((s) => s.value));
    for (const d of SERVICE_REQUESTS) assert.ok(srs.has(d.serviceReference), d.srv);
  });

  it('agrees with the RTDS reference data: SRVs with a Pre-Command are critical, the others not', () => {
    for (const folder of readdirSync(RTDS_MESSAGES)) {
      const srv = folder.split('_')[0];
      const d = serviceRequest(srv);
      if (!d) continue; // NA folders (alerts)
      const files = readdirSync(`${RTDS_MESSAGES}/${folder}`);
      const pre = files.some((f) => f.includes('_PRECOMMAND_'));
      const cmd = files.some((f) => f.includes('_COMMAND_'));
      if (pre) assert.equal(d.class, 'critical', folder);
      else if (cmd) assert.equal(d.class, 'non-critical', folder);
    }
  });
});

describe('Command Variant helpers', () => {
  it('classify the eight CVs per the DUIS CV table', () => {
    assert.deepEqual(COMMAND_VARIANTS.filter(isLocalDeliveryCommandVariant), [2, 3, 6, 7]);
    assert.deepEqual(COMMAND_VARIANTS.filter(isWanCommandVariant), [1, 3, 5, 7]);
    assert.deepEqual(COMMAND_VARIANTS.filter(isSignedPreCommandVariant), [5, 6, 7]);
    assert.deepEqual(COMMAND_VARIANTS.filter(isSynchronousCommandVariant), [2, 4, 6, 8]);
  });
  it('allow CVs per SRV', () => {
    assert.ok(isCommandVariantAllowed('2.2', 3));
    assert.ok(!isCommandVariantAllowed('2.2', 4));
    assert.ok(isCommandVariantAllowed('7.1', 7));
    assert.ok(!isCommandVariantAllowed('7.1', 1));
    assert.ok(!isCommandVariantAllowed('8.1.1', 6)); // SECMP0038 DSP-3: refused by default
    assert.ok(isCommandVariantAllowed('8.13', 8));
    assert.ok(!isCommandVariantAllowed('99.9', 1));
  });
});
