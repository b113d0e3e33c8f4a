/**
 * The CHF Device Log changed by CCS01 / CCS02 from the WAN (DUIS 8.11),
 * verified like any command to the CHF (ACB MAC with the CHF's key, role,
 * replay), answered with a MAC'd CHF response; and by the provisioning API.
 * The relay flag of SECMP0038 C3 travels as a PROVISIONAL fifth element.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ccs01Command } from '../../src/atps/commands.ts';
import { derivedInstallCode, RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { byName, newAtps } from '../support/atps-harness.ts';

for (const profile of ['rtds', 'generated'] as const)
  describe(`CCS01 / CCS02 (${profile})`, async () => {
    const atps = newAtps();
    const p = await atps.profile(profile);
    const csp = new SecurityContext({ keyStore: p.world, acb: p.acb });
    const { id } = await atps.createHome({ profile });
    const eui = '00DB1234567890A7';

    it('CCS01 adds a relay-enabled PPMID; the CHF response verifies', () => {
      const r = atps.deviceLogCommand(id, {
        add: { eui, deviceType: 'PPMID', installCode: derivedInstallCode(eui), relayEnabled: true },
      });
      assert.equal(r.chDecision, 'delivered');
      const e = atps.home(id).chf.deviceLog.get(eui);
      assert.equal(e?.deviceType, 'PPMID');
      assert.equal(e?.relayEnabled, true);
      const resp = atps
        .wanUplink(id)
        .filter((u) => u.originator === RTDS_EUIS.chf && u.cra === 'response')
        .at(-1);
      assert.ok(resp);
      const v = csp.decodeVerify(fromHex(resp.hex));
      assert.equal(v.mac, 'valid');
      assert.equal(v.message.messageCode, 0x0001);
    });

    it('a CCS01 with an old Originator Counter (replay) is refused', () => {
      const old = ccs01Command(
        p.world,
        p,
        RTDS_EUIS.chf,
        { eui: '00DB1234567890A9', deviceType: 'ESME', installCode: derivedInstallCode('00DB1234567890A9') },
        1n,
      );
      atps.inject(id, 'wan', old);
      const last = atps
        .chEvents(id)
        .filter((e) => e.kind === 'command')
        .at(-1);
      assert.equal(last?.reason, 'replay');
      assert.equal(atps.home(id).chf.deviceLog.get('00DB1234567890A9'), undefined);
    });

    it('CCS02 removes it', () => {
      const r = atps.deviceLogCommand(id, { remove: eui });
      assert.equal(r.chDecision, 'delivered');
      assert.equal(atps.home(id).chf.deviceLog.get(eui), undefined);
      assert.ok(
        atps.chEvents(id).some((e) => e.kind === 'device-log' && e.reason === 'removed' && e.target === eui),
      );
    });

    it("the RTDS CCS01 (MAC'd for the fixture CHF key) fails the CHF MAC check", () => {
      atps.inject(id, 'wan', byName('8.11_CCS01/CCS01_8.11_SUCCESS_COMMAND').bytes);
      const ev = atps
        .chEvents(id)
        .filter((e) => e.kind === 'command')
        .at(-1);
      assert.equal(ev?.reason, 'mac-invalid');
      assert.equal(atps.home(id).chf.deviceLog.get(RTDS_EUIS.esme)?.installCode.length, 18);
    });

    it('the provisioning API adds and removes without GBCS', () => {
      atps.provision(id, {
        eui: '00DB1234567890A8',
        deviceType: 'ESME',
        installCode: derivedInstallCode('00DB1234567890A8'),
      });
      assert.ok(atps.home(id).chf.deviceLog.has('00DB1234567890A8'));
      assert.ok(atps.unprovision(id, '00DB1234567890A8'));
    });
  });
