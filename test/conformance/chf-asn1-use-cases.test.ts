/**
 * The CHF's ASN.1 use cases (src/devices/chf/asn1-use-cases.ts) over the WAN
 * into an `rtds` home: CS07 reads the Device Log's devices and types (read
 * after a CCS01 write); CS06 activates the CHF image received over the WAN
 * (ECS52 reads the new version); a CS06 naming another hash changes nothing.
 * Commands are built from the catalogue and sealed with the profile's keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { derivedInstallCode, RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { gbcsInvokeId } from '../../src/gbcs/payload/dlms.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { decodeResponse, encodeCommand, useCaseById } from '../../src/gbcs/use-cases/index.ts';
import { type Eui, fromHex, toHex } from '../../src/runtime/bytes.ts';
import { encodeOtaImage } from '../../src/zigbee/ota.ts';
import { wanResponseTo } from './chf-scenarios.ts';

const CHF = RTDS_EUIS.chf;
const NEW_HCALCS = '00DB1234567890B9';

describe('CHF ASN.1 use cases: CS07 and CS06', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile('rtds');
  const csp = new SecurityContext({ keyStore: p.world, acb: p.acb });
  const { id } = await atps.createHome({ profile: 'rtds' });
  const chf = atps.home(id).chf;
  let counter = 0x2000n;

  function send(
    useCase: string,
    fields: (c: bigint) => unknown,
    o: { originator?: Eui; sign?: boolean; raw?: boolean } = {},
  ) {
    const c = ++counter;
    const row = useCaseById(useCase)!;
    const content = encodeCommand(useCase, fields(c) as never, {
      header: row.family === 'dlms' ? { invoke: gbcsInvokeId(c), dateTime: '' } : {},
    });
    const direct = o.originator !== undefined;
    const bytes = csp.seal(
      {
        cra: 'command',
        originatorCounter: c,
        originator: o.originator ?? p.acb,
        recipient: CHF,
        otherInfo: direct
          ? { messageCode: row.code }
          : {
              messageCode: row.code,
              supplementaryRemotePartyId: p.supplier,
              supplementaryRemotePartyCounter: c,
            },
        dateTime: null,
        content,
      } as never,
      { sign: o.sign ?? false },
    );
    const resp = wanResponseTo(atps, id, bytes, CHF);
    if (!resp) return undefined;
    const v = csp.decodeVerify(fromHex(resp.hex));
    if (o.raw) return toHex(v.message.content);
    // biome-ignore lint/suspicious/noExplicitAny: response fields read by path in the assertions
    return decodeResponse(useCase, v.message.content).fields as any;
  }

  it('CS07 lists the Device Log with device types; a device CCS01 adds is then listed (read after write)', () => {
    const before = send('CS07', () => null);
    assert.equal(before.responseCode, 0);
    const types = new Map(
      before.joinedDevices.map((d: { deviceId: string; deviceType: number }) => [d.deviceId, d.deviceType]),
    );
    assert.equal(types.get(RTDS_EUIS.esme), 1);
    assert.equal(types.get(RTDS_EUIS.gsme), 0);
    assert.equal(types.get(RTDS_EUIS.ppmid), 5);
    assert.ok(!types.has(NEW_HCALCS));
    const add = send('CCS01', (_c) => ({
      zigbeeNetworkControl: {
        registerDevice: {
          deviceId: NEW_HCALCS,
          deviceType: 4,
          installCode: toHex(derivedInstallCode(NEW_HCALCS)),
          joinMethod: 0,
        },
        joinTimeout: 60,
        enableDisableJoining: true,
      },
    }));
    assert.equal(add.zigbeeNetworkControl.registerDevice.result, 'success');
    const after = send('CS07', () => null);
    assert.deepEqual(after.joinedDevices.at(-1), { deviceId: NEW_HCALCS, deviceType: 4 });
  });

  it('CS06 naming another hash answers 1 and changes nothing; naming the received image activates it (ECS52)', () => {
    const file = encodeOtaImage({
      manufacturerCode: 0x1234,
      imageType: 2, // the CHF
      fileVersion: 0x00020001,
      image: new Uint8Array(300).fill(7),
    });
    assert.notEqual(chf.receiveFromWan(file), 'discarded');
    const hash = toHex(file.subarray(file.length - 32));
    const version = () =>
      send('ECS52', () => ({ firmwareVersion: { value: null } })).firmwareVersion.value.value;
    const was = version();
    const cs06 = (h: string) =>
      send('CS06', (c) => ({ manufacturerImageHash: h, originatorCounter: c }), {
        originator: p.supplier,
        sign: true,
      });
    const wrong = cs06('00'.repeat(32));
    assert.deepEqual(wrong, { outcome: { activateImageResponseCode: 1, firmwareVersion: was } });
    assert.equal(version(), was);
    const right = cs06(hash);
    assert.deepEqual(right, { outcome: { activateImageResponseCode: 0, firmwareVersion: '00020001' } });
    assert.equal(version(), '00020001');
  });

  it('a future-dated CS06 is not run by the CHF: malformed answer, nothing changes', () => {
    const r = send(
      'CS06',
      (c) => ({
        manufacturerImageHash: '11'.repeat(32),
        originatorCounter: c,
        executionDateTime: '20991231000000Z',
      }),
      { originator: p.supplier, sign: true, raw: true },
    );
    assert.equal(r, '020103', 'the ASN.1 malformed answer (INTEGER 3)');
    assert.equal(chf.useCases.firmware.version, '00020001');
  });
});
