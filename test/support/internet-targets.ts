/**
 * The InternetLink adapters the conformance suite runs against, each with
 * the means to drive it: virtual time for the in-process internet (pump the
 * clock until a promise settles), real sockets for MQTT (await events with a
 * timeout that names what was awaited).
 */
import { randomBytes } from 'node:crypto';
import {
  InProcessInternet,
  InProcessLink,
  type Internet,
  type InternetLink,
  MqttInternet,
  MqttInternetLink,
  startEmbeddedBroker,
} from '../../src/adapters/mqtt/index.ts';
import { TestPki } from '../../src/adapters/pki/index.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { pumpPromise, pumpUntil, waitFor, waitForEvent, withTimeout } from './wait.ts';

export const MOSQUITTO_URL = process.env.MOSQUITTO_URL || 'mqtt://127.0.0.1:1883';
const REAL_TIMEOUT_MS = 30_000;

export interface TargetRun {
  internet: Internet;
  /** Waits for `p` (virtual: by advancing the clock). */
  run<T>(p: Promise<T>, what: string): Promise<T>;
  /** Waits until `predicate` holds. */
  until(predicate: () => boolean, what: string): Promise<void>;
  /** Drops a link's connection abruptly (resolves once the link knows it is offline); it reconnects by itself. */
  interrupt(link: InternetLink): Promise<void>;
  close(): Promise<void>;
}

export interface InternetTarget {
  name: string;
  /** Whether the broker enforces acl.ts (client ids outside the scheme refused, per-role topics). */
  enforcesAcl: boolean;
  /** Whether client ids outside the scheme may connect (open listeners). */
  allowsUnscopedIds: boolean;
  /** Reason to skip (only on explicit request), or undefined. */
  skip?: string;
  start(): Promise<TargetRun>;
  /** Called once after all tests of the target. */
  dispose?(): Promise<void>;
}

/** Unique EUIs per run and test: a shared external broker keeps sessions and retained messages between runs. */
export function uniqueEuis(n: number): string[] {
  const base = randomBytes(6).toString('hex').toUpperCase();
  return Array.from({ length: n }, (_, i) => `7E${base}${i.toString(16).toUpperCase().padStart(2, '0')}`);
}

function inProcessTarget(name: string, authorization: 'open' | 'strict'): InternetTarget {
  return {
    name,
    enforcesAcl: true,
    allowsUnscopedIds: authorization === 'open',
    async start() {
      const clock = new VirtualClock();
      const internet = new InProcessInternet({ clock, latencyMs: 25, authorization, reconnectDelayMs: 500 });
      return {
        internet,
        run: (p, what) => pumpPromise(clock, p, what),
        until: (pred, what) => pumpUntil(clock, pred, what),
        interrupt: async (l) => (l as InProcessLink).interrupt(),
        close: async () => {
          const done = internet.close();
          await pumpPromise(clock, done, 'in-process internet closed');
        },
      };
    },
  };
}

function realRun(internet: MqttInternet): TargetRun {
  return {
    internet,
    run: (p, what) => withTimeout(p, REAL_TIMEOUT_MS, what),
    until: (pred, what) => waitFor(pred, REAL_TIMEOUT_MS, { what }),
    interrupt: async (l) => {
      const offline = waitForEvent(l, 'offline', {
        timeoutMs: REAL_TIMEOUT_MS,
        what: `${l.clientId} offline`,
      });
      (l as MqttInternetLink).interrupt();
      await offline;
    },
    close: () => internet.close(),
  };
}

const fastLinks = { reconnectPeriodMs: 50, keepaliveSec: 30, connectTimeoutMs: 20_000 };

function aedesTarget(kind: 'tcp' | 'tls'): InternetTarget {
  let broker: Awaited<ReturnType<typeof startEmbeddedBroker>> | undefined;
  let pki: TestPki | undefined;
  return {
    name: `embedded aedes over ${kind.toUpperCase()}`,
    enforcesAcl: true, // role ids are held to acl.ts on the open listener too
    allowsUnscopedIds: kind === 'tcp',
    async start() {
      if (!broker) {
        pki = await TestPki.open();
        broker = await startEmbeddedBroker(kind === 'tcp' ? { tcpPort: 0 } : { tlsPort: 0, pki });
      }
      const url = kind === 'tcp' ? broker.urls.tcp! : broker.urls.tls!;
      return realRun(
        new MqttInternet(url, { protocolVersion: broker.protocolVersion, pki, linkDefaults: fastLinks }),
      );
    },
    async dispose() {
      await broker?.close();
    },
  };
}

function mosquittoTarget(): InternetTarget {
  return {
    name: `Mosquitto at ${MOSQUITTO_URL}`,
    enforcesAcl: false,
    allowsUnscopedIds: true,
    skip:
      process.env.PPMID_SKIP_MOSQUITTO === '1'
        ? 'Mosquitto variant skipped: PPMID_SKIP_MOSQUITTO=1 is set'
        : undefined,
    async start() {
      // Short session expiry: this broker outlives the test run.
      const internet = new MqttInternet(MOSQUITTO_URL, {
        protocolVersion: 5,
        linkDefaults: { ...fastLinks, sessionExpirySec: 120 },
      });
      try {
        const probe = await internet.connect(`probe-${randomBytes(4).toString('hex')}`, {
          cleanStart: true,
          sessionExpirySec: 0,
        });
        await probe.close();
      } catch (err) {
        throw new Error(
          `Mosquitto not reachable at ${MOSQUITTO_URL} (${(err as Error).message}). ` +
            'Start it, set MOSQUITTO_URL, or set PPMID_SKIP_MOSQUITTO=1 to skip the Mosquitto variant explicitly.',
        );
      }
      return realRun(internet);
    },
  };
}

export function internetTargets(): InternetTarget[] {
  return [
    inProcessTarget('in-process (open)', 'open'),
    inProcessTarget('in-process (strict)', 'strict'),
    aedesTarget('tcp'),
    aedesTarget('tls'),
    mosquittoTarget(),
  ];
}

export { InProcessLink, MqttInternetLink };
