/**
 * The HAN node layer on the medium: CH-requested tunnels to a device, the
 * GSME's own tunnel and mailbox (GET / GET-RESPONSE / PUT), GBT for messages
 * over the tunnel size, and the refusals a node makes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeApdu } from '../../gbcs/encode.ts';
import { bytesEqual } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { SeededRandom } from '../../runtime/random.ts';
import {
  encodeGsmeMailboxCommand,
  encodeTunnelFrame,
  linkKeyFromInstallCode,
  TransferDataStatus,
  TUNNELING_CLUSTER_ID,
  withInstallCodeCrc,
} from '../../zigbee/index.ts';
import type { HanSendResult } from '../contracts.ts';
import { HanMedium } from './medium.ts';
import { ChHanNode } from './node-ch.ts';
import { TunnelDeviceNode } from './node-device.ts';
import { GsmeHanNode } from './node-gsme.ts';

const CH = '00DB1234567890A3';
const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const key = (n: number) => linkKeyFromInstallCode(withInstallCodeCrc(new Uint8Array(16).fill(n)));
const KEYS: Record<string, Uint8Array> = { [ESME]: key(1), [GSME]: key(2) };

function gbcs(size: number, recipient = ESME) {
  return encodeApdu({
    cra: 'command',
    originatorCounter: 7n,
    originator: '90B3D51F30010000',
    recipient,
    otherInfo: { messageCode: 0x27 },
    content: new SeededRandom(size).bytes(size),
    signature: null,
  });
}

function setup(verdict = false) {
  const clock = new VirtualClock();
  const medium = new HanMedium({ clock, random: new SeededRandom(3) });
  const got: Array<{ from: string; data: Uint8Array }> = [];
  const mailbox: string[] = [];
  /** what the CH answers the next transfers (undefined: took it) */
  const verdicts: Array<TransferDataStatus | undefined> = [];
  const chNode: ChHanNode = new ChHanNode({
    medium,
    clock,
    eui: CH,
    linkKeyFor: (p) => KEYS[p],
    handlers: {
      isLogged: (p) => p in KEYS,
      onTunnelData: (from, data) => {
        got.push({ from, data });
        return verdicts.shift();
      },
      onMailboxCommand: (from, cmd) => {
        mailbox.push(cmd.cmd);
        if (cmd.cmd === 'Get') chNode.sendMailboxCommand(from, { cmd: 'GetResponse', messagesWaiting: 0 });
        if (cmd.cmd === 'Put') got.push({ from, data: cmd.message });
      },
      onTunnelOpened: () => {},
    },
  });
  chNode.connect();
  const esme = new TunnelDeviceNode({
    medium,
    clock,
    eui: ESME,
    chEui: CH,
    linkKey: KEYS[ESME],
    awaitTransferVerdict: verdict,
  });
  const gsme = new GsmeHanNode({ medium, clock, eui: GSME, chEui: CH, linkKey: KEYS[GSME] });
  return { clock, medium, chNode, esme, gsme, got, mailbox, verdicts };
}

describe('HAN nodes', () => {
  it('a device awaiting verdicts: Default Response = ok, TransferDataError DataOverflow = busy, other errors = rejected, silence = lost', () => {
    const { clock, chNode, esme, got, verdicts } = setup(true);
    esme.connect();
    chNode.requestTunnel(ESME);
    clock.advance(2_000);
    const results: string[] = [];
    const send = () => esme.send(gbcs(40), (r) => results.push(r.ok ? 'ok' : r.reason));
    verdicts.push(undefined, TransferDataStatus.DataOverflow, TransferDataStatus.WrongDevice);
    send();
    clock.advance(5_000);
    send();
    clock.advance(5_000);
    send();
    clock.advance(5_000);
    assert.deepEqual(results, ['ok', 'busy', 'rejected']);
    assert.equal(got.length, 3);
    // no answer from the CH (its radio is off): lost, never ok
    chNode.disconnect();
    send();
    clock.advance(60_000);
    assert.deepEqual(results, ['ok', 'busy', 'rejected', 'lost']);
    chNode.connect();
    chNode.requestTunnel(ESME);
    clock.advance(2_000);
    // without asking for verdicts, the APS delivery is the result (other devices: unchanged)
    const plain = setup(false);
    plain.esme.connect();
    plain.chNode.requestTunnel(ESME);
    plain.clock.advance(2_000);
    plain.verdicts.push(TransferDataStatus.DataOverflow);
    const r2: string[] = [];
    plain.esme.send(gbcs(40), (r) => r2.push(r.ok ? 'ok' : r.reason));
    plain.clock.advance(5_000);
    assert.deepEqual(r2, ['ok']);
  });

  it('the CH requests the tunnel; data both ways; > 1500 bytes as GBT blocks, reassembled', () => {
    const { clock, chNode, esme, got } = setup();
    esme.connect();
    chNode.requestTunnel(ESME);
    clock.advance(2_000);
    assert.ok(esme.currentTunnel);
    assert.equal(chNode.tunnel(ESME)?.role, 'client');
    const atEsme: Uint8Array[] = [];
    esme.onMessage((b) => atEsme.push(b));
    const big = gbcs(3000);
    const results: HanSendResult[] = [];
    // the CH side: blocks as the routing layer would forward them
    chNode.sendTunnelData(ESME, big, (r) => results.push(r));
    clock.advance(10_000);
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.reason)),
      ['too-large'],
    );
    esme.send(big, (r) => results.push(r));
    clock.advance(20_000);
    assert.equal(results[1].ok, true);
    assert.equal(got.length, 3, 'three GBT blocks reached the CH');
    assert.ok(got.every((g) => g.data.length <= 1500 && g.data[0] === 0xdd && g.data[1] === 0x09));
    for (const g of got) chNode.sendTunnelData(ESME, g.data);
    clock.advance(20_000);
    assert.equal(atEsme.length, 1);
    assert.ok(bytesEqual(atEsme[0], big));
  });

  it('refusals: no tunnel, unknown tunnel id (TransferDataError), protocol not supported', () => {
    const { clock, medium, chNode, esme } = setup();
    esme.connect();
    const r: HanSendResult[] = [];
    const t0 = clock.now();
    esme.send(gbcs(10), (x) => r.push(x));
    clock.advance(100);
    assert.deepEqual(r, [{ ok: false, at: t0, reason: 'tunnel-closed' }]);
    // the CH sends TransferData on a tunnel the ESME never opened
    medium.send(
      CH,
      ESME,
      encodeTunnelFrame(
        { dir: 'c2s', cmd: 'TransferData', tunnelId: 9, data: gbcs(10) },
        { transactionSequenceNumber: 1 },
      ),
      { clusterId: TUNNELING_CLUSTER_ID },
    );
    clock.advance(2_000);
    assert.ok(esme.events.some((e) => e.kind === 'frame-ignored' && /unknown tunnel 9/.test(e.detail ?? '')));
    // a RequestTunnel for another protocol is refused
    medium.send(
      CH,
      ESME,
      encodeTunnelFrame(
        {
          dir: 'c2s',
          cmd: 'RequestTunnel',
          protocolId: 2,
          manufacturerCode: 0xffff,
          flowControlSupport: false,
          maxIncomingTransferSize: 1500,
        },
        { transactionSequenceNumber: 2 },
      ),
      { clusterId: TUNNELING_CLUSTER_ID },
    );
    clock.advance(2_000);
    assert.ok(esme.events.some((e) => e.kind === 'tunnel-refused'));
    assert.equal(chNode.tunnel(ESME), undefined);
  });

  it('GSME: requests its tunnel, polls (GET until 02 00), PUTs', () => {
    const { clock, chNode, gsme, mailbox, got } = setup();
    gsme.connect();
    clock.advance(2_000);
    assert.ok(gsme.hasTunnel);
    assert.equal(chNode.tunnel(GSME)?.role, 'server');
    let fetched = -1;
    gsme.pollMailbox((n) => {
      fetched = n;
    });
    clock.advance(5_000);
    assert.equal(fetched, 0);
    assert.deepEqual(mailbox, ['Get']);
    gsme.send(gbcs(40, '90B3D51F30010000'));
    clock.advance(5_000);
    assert.deepEqual(mailbox, ['Get', 'Put']);
    assert.equal(got.length, 1);
    // a PUT is 03 + the message
    assert.deepEqual(encodeGsmeMailboxCommand({ cmd: 'Put', message: got[0].data })[0], 0x03);
  });

  it('a CH radio restarted within the duplicate-rejection window keeps its counters: its first frames get through', () => {
    const { clock, medium, chNode, esme } = setup();
    esme.connect();
    chNode.requestTunnel(ESME);
    clock.advance(2_000);
    const first = esme.currentTunnel?.tunnelId;
    assert.ok(first);
    const before = medium.radioState(CH);
    chNode.disconnect();
    assert.deepEqual(chNode.radioState(), before, 'kept while off');
    clock.advance(1_000); // < medium.duplicateRejectionMs (10 s)
    chNode.connect();
    assert.deepEqual(
      [medium.outgoingApsCounter(CH), medium.outgoingFrameCounter(CH)],
      [before.apsCounter, before.frameCounter],
    );
    assert.deepEqual(medium.receiveFrameCounters(CH), before.receiveFrameCounters);
    chNode.requestTunnel(ESME);
    clock.advance(2_000);
    assert.notEqual(esme.currentTunnel?.tunnelId, first, 'the ESME answered the new RequestTunnel');
    assert.equal(chNode.tunnel(ESME)?.tunnelId, esme.currentTunnel?.tunnelId);
    assert.equal(medium.metrics.snapshot().counters['han.rx.duplicates'] ?? 0, 0);
  });

  it('a rebuilt node object takes its radio state back before powering on', () => {
    const { clock, medium, chNode, esme } = setup();
    esme.connect();
    chNode.requestTunnel(ESME);
    clock.advance(2_000);
    esme.disconnect();
    const saved = esme.radioState();
    assert.ok(saved && saved.frameCounter > 0);
    const again = new TunnelDeviceNode({ medium, clock, eui: ESME, chEui: CH, linkKey: KEYS[ESME] });
    again.restoreRadioState(saved);
    again.connect();
    assert.equal(medium.outgoingFrameCounter(ESME), saved.frameCounter);
    assert.throws(() => again.restoreRadioState(saved), /radio state while it is off/);
  });
});
