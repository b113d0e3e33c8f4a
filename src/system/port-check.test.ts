/**
 * Ports: `--port-base` moves every port together, each port option wins
 * over it, the ports a process listens on follow its parties, and a busy
 * port is named with what listens there and its option, every busy one at
 * once (real sockets on 127.0.0.1).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { freePortBlock } from '../../test/support/ports.ts';
import { DEFAULT_PORTS, listenedPorts, PORT_NAMES, PORT_TABLE, resolveConfig } from './config.ts';
import { busyPortsError, checkPortsFree, describeListenError, findBusyPorts } from './port-check.ts';
import { SystemError } from './ports.ts';

const env = {};

describe('port configuration', () => {
  it('defaults, --port-base N (N .. N+5 in table order), and a port option winning over the base', () => {
    assert.deepEqual(resolveConfig({}, env).ports, DEFAULT_PORTS);
    assert.deepEqual(resolveConfig({ portBase: 9000 }, env).ports, {
      start: 9000,
      supplier: 9001,
      dsp: 9002,
      chm: 9003,
      wan: 9004,
      mqtt: 9005,
    });
    const p = resolveConfig({ portBase: 9000, ports: { mqtt: 8883, dsp: 0 } }, env).ports;
    assert.equal(p.mqtt, 8883);
    assert.equal(p.dsp, 0);
    assert.equal(p.chm, 9003);
    assert.deepEqual(new Set(PORT_NAMES.map((n) => PORT_TABLE[n].offset)).size, PORT_NAMES.length);
    for (const bad of [0, -1, 65531, 1.5])
      assert.throws(() => resolveConfig({ portBase: bad }, env), /--port-base must be 1\.\.65530/);
    assert.throws(() => resolveConfig({ ports: { mqtt: 70000 } }, env), /--mqtt-port must be 0\.\.65535/);
  });

  it('the ports a process listens on follow its parties; ephemeral ports and an external broker are left out', () => {
    const of = (o: Parameters<typeof resolveConfig>[0], e: NodeJS.ProcessEnv = env) =>
      listenedPorts(resolveConfig(o, e)).sort();
    assert.deepEqual(of({}), ['chm', 'dsp', 'mqtt', 'start', 'supplier']);
    assert.deepEqual(of({ ports: { dsp: 0, chm: 0 } }), ['mqtt', 'start', 'supplier']);
    assert.deepEqual(of({}, { MQTT_URL: 'mqtts://broker:8883' }), ['chm', 'dsp', 'start', 'supplier']);
    assert.deepEqual(of({ parties: ['estate'] }), ['mqtt', 'start', 'wan']);
    assert.deepEqual(of({ parties: ['dsp'] }), ['dsp', 'start', 'wan']);
    assert.deepEqual(of({ parties: ['supplier'] }), ['mqtt', 'start', 'supplier']);
    assert.deepEqual(of({ transport: 'in-process' }), []);
  });
});

describe('port collisions', () => {
  const held: Server[] = [];
  after(() => {
    for (const s of held) s.close();
  });
  const hold = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const s = createServer();
      held.push(s);
      s.once('error', reject);
      s.listen({ host: '127.0.0.1', port }, () => resolve());
    });

  it('every busy port at once, with the party and the option; the free ones are left free', async () => {
    const base = await freePortBlock(PORT_NAMES.length);
    await hold(base + PORT_TABLE.mqtt.offset);
    await hold(base + PORT_TABLE.start.offset);
    const config = resolveConfig({ portBase: base }, env);
    const err = await checkPortsFree(config, listenedPorts(config)).then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SystemError);
    assert.equal(err.code, 'SYSTEM_START');
    assert.match(err.message, new RegExp(`MQTT broker port ${base + 5} is in use \\(--mqtt-port\\)`));
    assert.match(err.message, new RegExp(`start page port ${base} is in use \\(--start-port\\)`));
    assert.doesNotMatch(err.message, /--supplier-port|--dsp-port|--chm-port/);
    assert.match(err.message, /--port-base N/);
    // the probes closed again: the free ports of the block are still free
    const rest = (['supplier', 'dsp', 'chm'] as const).map((n) => [n, config.ports[n]] as const);
    assert.deepEqual(await findBusyPorts('127.0.0.1', rest), []);
  });

  it('a listen error on a configured port reads the same; other errors pass through', () => {
    const config = resolveConfig({ portBase: 20000 }, env);
    const raw = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:20003'), {
      code: 'EADDRINUSE',
      port: 20003,
    });
    assert.match(
      describeListenError(raw, config)!.message,
      /CHM HTTP \(Alerts Dashboard\) port 20003 is in use \(--chm-port\)/,
    );
    assert.equal(describeListenError(new Error('other'), config), undefined);
    assert.equal(
      describeListenError(Object.assign(new Error('x'), { code: 'EADDRINUSE', port: 1 }), config),
      undefined,
    );
    // a command that names the port's option otherwise (dsp serve --split --port)
    const split = resolveConfig(
      { parties: ['dsp'], ports: { dsp: 20002 }, portOptions: { dsp: '--port' } },
      env,
    );
    assert.match(
      describeListenError(Object.assign(new Error('x'), { code: 'EADDRINUSE', port: 20002 }), split)!.message,
      /DSP DUIS HTTP port 20002 is in use \(--port\)/,
    );
    assert.match(
      busyPortsError('127.0.0.1', [{ name: 'mqtt', port: 80, code: 'EACCES' }]).message,
      /MQTT broker port 80 needs privileges \(--mqtt-port\)/,
    );
  });
});
