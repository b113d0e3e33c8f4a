/**
 * The CHF's own use cases (src/devices/chf/commands.ts) over the WAN into an
 * `rtds` home: each write read back through its GBCS read use case, refused
 * input (bad value, hardware fault, wrong role, replay) answered as GBCS
 * says and leaving the state untouched. Commands are built from the
 * catalogue (encodeCommand) and MAC'd by the profile's ACB for the home's
 * CHF key; the CHF's responses are verified with the profile's key store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { installCodeWithCrc } from '../../src/devices/chf/device-log.ts';
import { derivedInstallCode, RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { gbcsInvokeId } from '../../src/gbcs/payload/dlms.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { decodeAlert, decodeResponse, encodeCommand, useCaseById } from '../../src/gbcs/use-cases/index.ts';
import { type Eui, fromHex, toHex } from '../../src/runtime/bytes.ts';
import { linkKeyFromInstallCode } from '../../src/zigbee/index.ts';
import { wanResponseTo } from './chf-scenarios.ts';

const CHF = RTDS_EUIS.chf;
const NEW_PPMID = '00DB1234567890B7';
const CONFIG = {
  page28Mask: '11100000000000000000000000000110',
  page29Mask: '11101000000000000000000000000110',
  page30Mask: '11110000000000000000000000000110',
  page31Mask: '11111000000000000000000000000110',
  normalLimitedDutyCycleThreshold: 130,
  limitedCriticalDutyCycleThreshold: 220,
  channelChangesPerWeek: 5,
  gsmeCurfew: 7,
  quieterDecibelsLimit: 7,
  noisierDecibelsLimit: 12,
  nonGsmePoorCommsPercentage: 6000,
  nonGsmeMeasurementPeriods: 130,
  localChNoiseMeasurementPeriod: 100,
  localChFailurePercentage: 4000,
  localChRetryPercentage: 3000,
};

describe('CHF use cases: read after write, refusals leave state untouched', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile('rtds');
  const csp = new SecurityContext({ keyStore: p.world, acb: p.acb });
  const { id } = await atps.createHome({ profile: 'rtds' });
  const chf = atps.home(id).chf;
  let counter = 0x1000n;

  /** Sends a catalogue command to the CHF (ACB for the supplier); returns the CHF's verified response fields. */
  function send(useCase: string, fields: unknown, o: { originator?: Eui; counter?: bigint } = {}) {
    const c = o.counter ?? ++counter;
    const content = encodeCommand(useCase, fields as never, {
      header: { invoke: gbcsInvokeId(c), dateTime: '' },
    });
    const code = useCaseById(useCase)!.code;
    const bytes = csp.seal({
      cra: 'command',
      originatorCounter: c,
      originator: o.originator ?? p.acb,
      recipient: CHF,
      otherInfo: {
        messageCode: code,
        supplementaryRemotePartyId: p.supplier,
        supplementaryRemotePartyCounter: c,
      },
      content,
    });
    const since = atps.wanUplink(id).length;
    atps.inject(id, 'wan', bytes);
    const up = atps.wanUplink(id).slice(since);
    const resp = up.find((u) => u.cra === 'response' && u.originator === CHF);
    if (!resp) return { fields: undefined, alerts: up.filter((u) => u.cra === 'alert') };
    const v = csp.decodeVerify(fromHex(resp.hex));
    assert.equal(v.mac, 'valid');
    return {
      // biome-ignore lint/suspicious/noExplicitAny: response fields read by path in the assertions
      fields: decodeResponse(useCase, v.message.content).fields as Record<string, Record<string, any>>,
      alerts: up.filter((u) => u.cra === 'alert').map((u) => csp.decodeVerify(fromHex(u.hex)).message),
    };
  }

  it('DBCH04 sets the Sub GHz configuration, DBCH03 reads it back, DBCH09 is raised', () => {
    const set = send('DBCH04', { subGhzConfiguration: { value: CONFIG } });
    assert.equal(set.fields?.subGhzConfiguration.value.result, 'success');
    assert.ok(set.alerts.some((a) => a.messageCode === 0x0113));
    const read = send('DBCH03', { subGhzConfiguration: { value: null } });
    assert.deepEqual(read.fields?.subGhzConfiguration.value, { result: 'success', value: CONFIG });
  });

  it('a DBCH04 with an impossible threshold is malformed (8F1E) and changes nothing', () => {
    const bad = send('DBCH04', {
      subGhzConfiguration: { value: { ...CONFIG, channelChangesPerWeek: 150, noisierDecibelsLimit: 1 } },
    });
    assert.ok(bad.fields === undefined || bad.fields.subGhzConfiguration?.value.result !== 'success');
    assert.ok(bad.alerts.some((a) => a.messageCode === 0x1000));
    const read = send('DBCH03', { subGhzConfiguration: { value: null } });
    assert.equal(read.fields?.subGhzConfiguration.value.value.noisierDecibelsLimit, 12);
  });

  it('a hardware fault answers HARDWARE_FAILURE and the write is not applied', () => {
    chf.backchannel.hardwareFault('subGhzConfiguration.value');
    const r = send('DBCH04', { subGhzConfiguration: { value: { ...CONFIG, noisierDecibelsLimit: 99 } } });
    assert.equal(r.fields?.subGhzConfiguration.value.result, 'hardware-fault');
    chf.backchannel.hardwareFault('subGhzConfiguration.value', false);
    assert.equal(
      send('DBCH03', { subGhzConfiguration: { value: null } }).fields?.subGhzConfiguration.value.value
        .noisierDecibelsLimit,
      12,
    );
  });

  it('CCS01 adds a device; CCS07 reads it with the link key of its install code; CCS06 lists it', () => {
    const code = derivedInstallCode(NEW_PPMID);
    const add = send('CCS01', {
      zigbeeNetworkControl: {
        registerDevice: { deviceId: NEW_PPMID, deviceType: 5, installCode: toHex(code), joinMethod: 0 },
        joinTimeout: 120,
        enableDisableJoining: true,
      },
    });
    assert.equal(add.fields?.zigbeeNetworkControl.registerDevice.result, 'success');
    const log = send('CCS07', {
      zigbeeNetworkControl: { readDeviceLog: null },
      gpfDeviceLog: { readDeviceLog: null },
    });
    const entries = log.fields?.zigbeeNetworkControl.readDeviceLog.value.entries as Array<{
      deviceId: string;
      linkKey: string;
    }>;
    const mine = entries.find((e) => e.deviceId === NEW_PPMID);
    assert.equal(mine?.linkKey, toHex(linkKeyFromInstallCode(installCodeWithCrc(code))));
    assert.equal(log.fields?.zigbeeNetworkControl.readDeviceLog.value.chfId, CHF);
    // the GPF's log (derived): the GSME and the PPMIDs
    const gpf = log.fields?.gpfDeviceLog.readDeviceLog.value.entries as Array<{ deviceId: string }>;
    assert.ok(gpf.some((e) => e.deviceId === NEW_PPMID) && gpf.some((e) => e.deviceId === RTDS_EUIS.gsme));
    const active = send('CCS06', { zigbeeNetworkControl: { activeDevices: null } });
    const ids = (active.fields!.zigbeeNetworkControl.activeDevices.value as Array<{ deviceId: string }>).map(
      (d) => d.deviceId,
    );
    assert.ok(ids.includes(NEW_PPMID) && ids.includes(RTDS_EUIS.esme));
    assert.equal(chf.useCases.joinTimeout, 120);
    // CCS05 (inferred row, UNCONFIRMED: the HAN communications check as CCS06 reads it) answers the same list
    const ccs05 = send('CCS05', { zigbeeNetworkControl: { activeDevices: null } });
    assert.deepEqual(
      ccs05.fields!.zigbeeNetworkControl.activeDevices,
      active.fields!.zigbeeNetworkControl.activeDevices,
    );
  });

  it('CCS03 restores a link key (read back by CCS07); an entry of unknown type refuses the whole restore', () => {
    const key = '00112233445566778899AABBCCDDEEFF';
    const bad = send('CCS03', {
      zigbeeNetworkControl: {
        restoreDeviceLog: {
          chfId: '0000000000000140',
          entries: [
            { deviceId: NEW_PPMID, linkKey: key },
            { deviceId: '00DB12345678FFFF', linkKey: key },
          ],
        },
      },
    });
    assert.equal(bad.fields?.zigbeeNetworkControl.restoreDeviceLog.result, 'other-reason');
    assert.notEqual(toHex(chf.deviceLog.get(NEW_PPMID)!.linkKey), key);
    const good = send('CCS03', {
      zigbeeNetworkControl: {
        restoreDeviceLog: { chfId: '0000000000000140', entries: [{ deviceId: NEW_PPMID, linkKey: key }] },
      },
    });
    assert.equal(good.fields?.zigbeeNetworkControl.restoreDeviceLog.result, 'success');
    const log = send('CCS07', {
      zigbeeNetworkControl: { readDeviceLog: null },
      gpfDeviceLog: { readDeviceLog: null },
    });
    const v = log.fields?.zigbeeNetworkControl.readDeviceLog.value;
    assert.equal(v.chfId, '0000000000000140');
    assert.equal(v.entries.find((e: { deviceId: string }) => e.deviceId === NEW_PPMID)?.linkKey, key);
    assert.equal(chf.deviceLog.get(NEW_PPMID)?.deviceType, 'PPMID');
  });

  it('CCS02 removes it (CCS07 no longer lists it); a second CCS02 answers other-reason', () => {
    assert.equal(
      send('CCS02', { zigbeeNetworkControl: { unregisterDevice: NEW_PPMID } }).fields?.zigbeeNetworkControl
        .unregisterDevice.result,
      'success',
    );
    assert.equal(
      send('CCS02', { zigbeeNetworkControl: { unregisterDevice: NEW_PPMID } }).fields?.zigbeeNetworkControl
        .unregisterDevice.result,
      'other-reason',
    );
    const log = send('CCS07', {
      zigbeeNetworkControl: { readDeviceLog: null },
      gpfDeviceLog: { readDeviceLog: null },
    });
    assert.ok(
      !log.fields?.zigbeeNetworkControl.readDeviceLog.value.entries.some(
        (e: { deviceId: string }) => e.deviceId === NEW_PPMID,
      ),
    );
  });

  it('ECS26i reads the CHF identity; ECS52 its firmware version', () => {
    const r = send('ECS26i', {
      deviceId1: { value: null },
      deviceId: { value: null },
      manufacturerModel: { value: null },
    });
    assert.equal(r.fields?.deviceId1.value.value, CHF);
    assert.equal(r.fields?.deviceId.value.value, chf.useCases.deviceId);
    assert.equal(
      send('ECS52', { firmwareVersion: { value: null } }).fields?.firmwareVersion.value.value,
      chf.useCases.firmware.version,
    );
  });

  it('a replayed command is refused (no response) and logged: ECS35d reads the security event; ECS35c the Device Log changes', () => {
    const before = chf.deviceLog.size;
    const r = send('CCS02', { zigbeeNetworkControl: { unregisterDevice: RTDS_EUIS.esme } }, { counter: 5n });
    assert.equal(r.fields, undefined);
    assert.equal(chf.deviceLog.size, before);
    const now = Math.floor(chf.time.now() / 1000) - 946_684_800;
    const range = (object: string) => ({
      [object]: {
        buffer: {
          restrictingObject: {
            classId: 1,
            logicalName: '0-0:94.44.100.255',
            attributeIndex: 2,
            dataIndex: 0,
          },
          fromValue: now - 3600,
          toValue: now + 3600,
          selectedValues: [],
        },
      },
    });
    const sec = send('ECS35d', range('securityLog')).fields?.securityLog.buffer.value as Array<{
      eventCode: number;
    }>;
    assert.ok(sec.some((e) => e.eventCode === 0x8f53));
    const ev = send('ECS35c', range('eventLog')).fields?.eventLog.buffer.value as Array<{
      eventCode: number;
    }>;
    assert.ok(ev.filter((e) => e.eventCode === 0x8f12).length >= 3);
  });

  it('CS02a lists the ACB Trust Anchor cells the CHF holds; a role it holds none of answers status 25', () => {
    const c = ++counter;
    const content = encodeCommand(
      'CS02a',
      {
        authorisingRemotePartyTACellIdentifier: { remotePartyRole: 4, keyUsage: '00001' },
        remotePartyRoles: [4, 99],
      } as never,
      { header: {} },
    );
    const bytes = csp.seal({
      cra: 'command',
      originatorCounter: c,
      originator: p.acb,
      recipient: CHF,
      otherInfo: { messageCode: useCaseById('CS02a')!.code },
      content,
    });
    const resp = wanResponseTo(atps, id, bytes, CHF);
    assert.ok(resp);
    const r = decodeResponse('CS02a', csp.decodeVerify(fromHex(resp.hex)).message.content).fields as Array<{
      targetRemotePartyRole: number;
      status: number;
      trustAnchorCells?: Array<{ subjectUniqueID: string; keyUsage: string }>;
    }>;
    assert.equal(r[0]?.status, 0);
    assert.deepEqual(
      r[0]?.trustAnchorCells?.map((x) => [x.subjectUniqueID, x.keyUsage]),
      [
        [p.acb, '1'],
        [p.acb, '00001'],
      ],
    );
    assert.equal(r[1]?.status, 25);
  });

  it('a CCS01 straight from the supplier (not through the ACB) has no authority: no response, Device Log unchanged', () => {
    const before = chf.deviceLog.size;
    const r = send(
      'CCS01',
      {
        zigbeeNetworkControl: {
          registerDevice: {
            deviceId: '00DB1234567890B8',
            deviceType: 1,
            installCode: toHex(derivedInstallCode('00DB1234567890B8')),
            joinMethod: 0,
          },
          joinTimeout: 90,
          enableDisableJoining: true,
        },
      },
      { originator: p.supplier },
    );
    assert.equal(r.fields, undefined);
    assert.equal(chf.deviceLog.size, before);
  });

  it('a command the CHF cannot deliver to the ESME raises 8F84 as Message Code 0x00D5 with the header of that command', () => {
    atps.home(id).medium.detach(RTDS_EUIS.esme);
    const c = 0x2_0000_0000n + ++counter;
    const bytes = csp.seal(
      {
        cra: 'command',
        originatorCounter: c,
        originator: p.supplier,
        recipient: RTDS_EUIS.esme,
        otherInfo: { messageCode: useCaseById('ECS82')!.code },
        content: encodeCommand(
          'ECS82',
          { meterBalance: { currentCreditAmount: null } },
          { originatorCounter: c },
        ),
      },
      { sign: false, mac: true },
    );
    const since = atps.wanUplink(id).length;
    atps.inject(id, 'wan', bytes);
    const alerts = atps
      .wanUplink(id)
      .slice(since)
      .filter((u) => u.cra === 'alert' && u.originator === CHF)
      .map((u) => csp.decodeVerify(fromHex(u.hex)));
    const a = alerts.find((v) => v.message.messageCode === 0x00d5);
    assert.ok(a, `no 0x00D5 alert: ${alerts.map((v) => v.message.messageCode).join(' ')}`);
    assert.equal(a.mac, 'valid');
    const f = decodeAlert('FailureToDeliverToEsme', a.message.content).fields;
    assert.equal(f.alertCode, 0x8f84);
    // business originator | target | CRA flag (command) | originator counter
    assert.equal(
      f.remotePartyMessage,
      `${p.supplier}${RTDS_EUIS.esme}01${c.toString(16).padStart(16, '0')}`.toUpperCase(),
    );
  });
});
