import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage } from '../decode.ts';
import { decodeDer } from '../payload/der.ts';
import { type DlmsData, decodeDlmsApdu, gbcsInvokeId } from '../payload/dlms.ts';
import { GBCS_ALERT_CODES, lookupAlertCode } from './alert-codes.ts';
import {
  describeMessageCode,
  GBCS_MESSAGE_CODES,
  lookupMessageCode,
  MESSAGE_CODES,
  messageCodeForUseCase,
} from './message-codes.ts';
import {
  BUFFER_IDS,
  decodeBufferFeedCommand,
  decodeProvisionalAlert,
  encodeBufferFeedCommand,
  encodeBufferFeedResponse,
  encodeProvisionalAlert,
  PROVISIONAL_ALERT_CODES,
  PROVISIONAL_MESSAGE_CODES,
  type ProvisionalAlert,
  RELAY_REJECT_REASONS,
} from './provisional.ts';

const messages = rtdsMessages().map((m) => ({ m, g: decodeMessage(m.bytes) }));

const DEVICE_BY_SUFFIX: Record<string, string> = {
  A0: 'ESME',
  A1: 'GSME',
  A2: 'CHF',
  A3: 'GPF',
  A4: 'PPMID',
  A5: 'HCALCS',
  A6: 'ESME',
};

/** The alert code carried by an RTDS alert payload (DLMS, GBZ or ASN.1 layouts). */
function alertCodeOf(content: Uint8Array): number {
  if (content[0] === 0x0f) {
    const a = decodeDlmsApdu(content);
    const body = a.apdu === 'data-notification' ? a.body : undefined;
    const first: DlmsData | undefined = body?.type === 'structure' ? body.items[0] : undefined;
    assert.equal(first?.type, 'long-unsigned');
    return first?.type === 'long-unsigned' ? first.value : -1;
  }
  if (content[0] === 0x01 && content[1] === 0x09) return (content[3] << 8) | content[4];
  // ASN.1 alerts: SEQUENCE { INTEGER alert code, GeneralizedTime, ... }
  const n = decodeDer(content);
  const v = n.children?.[0].decoded;
  assert.equal(v?.kind, 'integer');
  return v?.kind === 'integer' ? Number(v.value) : -1;
}

describe('GBCS Message Codes against every RTDS message', () => {
  it('there are RTDS messages', () => assert.ok(messages.length > 700));

  for (const { m, g } of messages) {
    it(m.name, () => {
      const info = lookupMessageCode(g.messageCode);
      assert.ok(info, `message code ${describeMessageCode(g.messageCode)} missing`);
      assert.notEqual(info.provisional, true);
      // the payload format the table names is the one the content starts with
      const first = g.content[0];
      const sniffed =
        first === 0xd9 || first === 0xda || first === 0x0f ? 'dlms' : first === 0x01 ? 'gbz' : 'asn1';
      assert.ok(sniffed === info.payload || sniffed === info.altPayload, `${sniffed} vs ${info.payload}`);
      if (g.cra === 'alert') {
        assert.equal(info.kind, 'alert');
        // alert-only folders (NA_<alert use case>) name the alert's own use case; future-dated alerts belong to the command's folder
        if (m.srv === 'NA' && !m.file.includes('FUTURE_DATED')) {
          assert.ok(info.useCase === m.useCase || info.aliases?.includes(m.useCase));
        }
        if (info.target !== 'ANY') {
          const t = DEVICE_BY_SUFFIX[g.originator.slice(-2)];
          assert.ok(t === info.target || info.targets?.includes(t as never), `${t} raises ${info.useCase}`);
        }
        const code = alertCodeOf(g.content);
        assert.ok(lookupAlertCode(code), `alert code 0x${code.toString(16)} of ${m.file} not in the table`);
        const fileCode = /_(8[0-9A-F]{3})_/.exec(m.file)?.[1];
        if (fileCode) assert.equal(code, Number.parseInt(fileCode, 16));
        return;
      }
      assert.equal(info.kind, 'command');
      // RTDS quirk: the CS04B error scenario is sent with the CS04AC code
      const expected = m.useCase === 'CS04B' && g.messageCode === 0x000f ? 'CS04AC' : m.useCase;
      assert.ok(
        info.useCase === expected || info.aliases?.includes(expected),
        `${info.useCase} vs ${m.useCase}`,
      );
      // the folder's SRV is one of those that produce the command (ECS62: 7.9 adds, 7.10 removes)
      if (m.srv === 'NA') assert.equal(info.srv, null);
      else
        assert.ok(
          info.srv === m.srv || info.srvs?.includes(m.srv),
          `${m.srv} not among ${info.srvs ?? info.srv}`,
        );
      if (g.cra === 'command') {
        const t = DEVICE_BY_SUFFIX[g.recipient.slice(-2)];
        if (info.target !== 'ANY') assert.ok(t === info.target || info.targets?.includes(t as never), `${t}`);
        // a DD Command carrying a signature is Critical, and a Critical one always carries one
        if (g.envelope === 'general-ciphering') assert.equal(info.critical, g.signatureField === 'present');
        // GBCS.md 2: DLMS invoke-id = low 24 bits of the Originator Counter
        if (first === 0xd9) {
          const a = decodeDlmsApdu(g.content);
          assert.deepEqual(a.invoke, gbcsInvokeId(g.originatorCounter));
        }
      }
      if (g.cra === 'response' && first === 0xda) {
        assert.equal(decodeDlmsApdu(g.content).invoke.invokeId, Number(g.originatorCounter & 0xffffffn));
      }
    });
  }
});

describe('code tables', () => {
  it('codes and use cases are unique; lookups work', () => {
    assert.equal(new Set(MESSAGE_CODES.map((m) => m.code)).size, MESSAGE_CODES.length);
    const names = MESSAGE_CODES.flatMap((m) => [m.useCase, ...(m.aliases ?? [])].map((s) => s.toUpperCase()));
    assert.equal(new Set(names).size, names.length);
    assert.equal(messageCodeForUseCase('ECS17b')?.code, 0x0027);
    assert.equal(messageCodeForUseCase('cs03a2noncritical')?.code, 0x00ab);
    assert.equal(lookupMessageCode(0x0027)?.name, 'Read ESME Energy Registers (Import Energy)');
    assert.equal(lookupMessageCode(0x0015)?.useCase, 'CS11');
    assert.equal(lookupMessageCode(0x0012)?.useCase, 'CS06');
    assert.equal(describeMessageCode(0x0001), '0x0001 CCS01 Add Device to CHF Device Log');
    assert.equal(lookupMessageCode(0xbeef), undefined);
  });

  it('the routing alert codes of GBCS.md 5 are known', () => {
    for (const c of [0x8f84, 0x819d, 0x81ba, 0x8f30, 0x8f3d, 0x8f1e, 0x8f12, 0x8f66, 0x8f67]) {
      assert.ok(lookupAlertCode(c), c.toString(16));
      assert.notEqual(lookupAlertCode(c)?.provisional, true);
    }
    assert.equal(new Set(GBCS_ALERT_CODES.map((a) => a.code)).size, GBCS_ALERT_CODES.length);
  });
});

describe('PROVISIONAL SECMP0038 codes', () => {
  const fixtureMessageCodes = new Set(messages.map(({ g }) => g.messageCode));
  const fixtureAlertCodes = new Set(
    messages.filter(({ g }) => g.cra === 'alert').map(({ g }) => alertCodeOf(g.content)),
  );

  it('clash with no GBCS code and no fixture code, and sit in the documented ranges', () => {
    for (const p of PROVISIONAL_MESSAGE_CODES) {
      assert.equal(p.provisional, true);
      assert.ok(!GBCS_MESSAGE_CODES.some((g) => g.code === p.code));
      assert.ok(!fixtureMessageCodes.has(p.code));
      assert.ok(p.code >= 0x0f00 && p.code <= 0x0fff);
      assert.equal(lookupMessageCode(p.code)?.provisional, true);
    }
    for (const p of PROVISIONAL_ALERT_CODES) {
      assert.equal(p.provisional, true);
      assert.ok(!GBCS_ALERT_CODES.some((g) => g.code === p.code));
      assert.ok(!fixtureAlertCodes.has(p.code));
      assert.ok(p.code >= 0x8e00 && p.code <= 0x8eff);
      assert.equal(lookupAlertCode(p.code)?.provisional, true);
      assert.ok(lookupMessageCode(p.messageCode));
      assert.match(p.name, /PROVISIONAL/);
    }
    // no GBCS alert code known here falls in the provisional block
    assert.ok(!GBCS_ALERT_CODES.some((g) => g.code >= 0x8e00 && g.code <= 0x8eff));
    assert.ok(!GBCS_MESSAGE_CODES.some((g) => g.code >= 0x0f00 && g.code <= 0x0fff));
  });

  it('Block / Unblock Buffer Feed commands and their response round-trip', () => {
    const invoke = gbcsInvokeId(0x0000000500000001n);
    for (const action of ['block', 'unblock'] as const) {
      const b = encodeBufferFeedCommand(action, invoke);
      assert.deepEqual(decodeBufferFeedCommand(b), { action, invoke });
    }
    const r = decodeDlmsApdu(encodeBufferFeedResponse(invoke));
    assert.equal(r.apdu, 'access-response');
    assert.throws(() => decodeBufferFeedCommand(messages[0].g.content), { code: 'GBCS_MALFORMED' });
  });

  it('alerts round-trip with every reason and buffer', () => {
    const dateTime = Uint8Array.from([0x07, 0xe8, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    const invoke = gbcsInvokeId(42n);
    const alerts: ProvisionalAlert[] = [
      { alert: 'ppmid-connected', ppmid: '00DB1234567890A4', how: 'tunnel-opened' },
      { alert: 'standalone-entered', by: '90B3D51F30000006', cause: 'block-buffer-feed' },
      { alert: 'standalone-left', by: null, cause: 'restored-after-restart' },
      ...RELAY_REJECT_REASONS.map(
        (reason, i): ProvisionalAlert => ({
          alert: 'ppmid-relay-rejected',
          ppmid: '00DB1234567890A4',
          reason,
          target: i % 2 ? null : '00DB1234567890A2',
          messageCode: i % 2 ? null : 0x0027,
          craFlag: i % 2 ? null : 1,
          size: 1200 + i,
          suppressed: i,
        }),
      ),
      ...BUFFER_IDS.map(
        (buffer, i): ProvisionalAlert => ({
          alert: 'buffer-full',
          buffer,
          capacity: 64,
          highWater: 64,
          dropped: i,
          overflowed: i > 0,
        }),
      ),
    ];
    for (const alert of alerts) {
      const bytes = encodeProvisionalAlert(alert, { invoke, dateTime });
      const back = decodeProvisionalAlert(bytes);
      assert.deepEqual(back.alert, alert);
      assert.equal(lookupAlertCode(back.alertCode)?.provisional, true);
    }
    assert.throws(() => decodeProvisionalAlert(messages.find(({ g }) => g.content[0] === 0x0f)!.g.content), {
      code: 'GBCS_UNSUPPORTED',
    });
  });
});
