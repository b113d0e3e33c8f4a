import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refuseSplitOnly, refuseStandAlone, splitSystemFlags } from './split-party.ts';

describe('serve --split flags', () => {
  it('maps --port to the party own port and the rest to the up options', () => {
    assert.deepEqual(
      splitSystemFlags('dsp', {
        split: true,
        port: '0',
        dataDir: 'd',
        homes: '4',
        seed: 's',
        wanPort: '8083',
        wanUrl: 'http://127.0.0.1:8082',
        supplierUrl: 'http://127.0.0.1:8070',
        xsd: false,
      }),
      {
        parties: 'dsp',
        workload: 'none',
        dataDir: 'd',
        homes: 4,
        seed: 's',
        dspPort: 0,
        portOptions: { dsp: '--port' },
        startPort: 0,
        wanPort: 8083,
        wanUrl: 'http://127.0.0.1:8082',
        supplierUrl: 'http://127.0.0.1:8070',
        xsd: false,
      },
    );
    const s = splitSystemFlags('supplier', { port: '8070', mqttPort: '8883', dspUrl: 'http://x:1' });
    assert.equal(s.supplierPort, 8070);
    assert.equal(s.mqttPort, 8883);
    assert.equal(s.dspUrl, 'http://x:1');
    assert.equal(splitSystemFlags('chm', { port: '8081' }).chmPort, 8081);
    assert.throws(() => splitSystemFlags('chm', { port: '70000' }), /not a TCP port/);
    assert.throws(() => splitSystemFlags('chm', { homes: '-1' }), /whole number/);
  });

  it('refuses the options of the other mode', () => {
    assert.throws(() => refuseSplitOnly({ wanUrl: 'http://x' }), /--wan-url belongs to --split mode/);
    assert.doesNotThrow(() => refuseSplitOnly({ port: '1' }));
    assert.throws(
      () => refuseStandAlone({ keystore: 'k' }, ['keystore']),
      /--keystore is a stand-alone option/,
    );
    assert.doesNotThrow(() => refuseStandAlone({ dspCert: [] as string[] }, ['dspCert']));
  });
});
