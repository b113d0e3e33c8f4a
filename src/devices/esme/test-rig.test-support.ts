/**
 * The ESME test rig shared by src/devices/esme/*.test.ts: the RTDS ESME
 * profile (fixture key store, loaded in a `before` hook of the calling test
 * file), RTDS fixtures by name, a fresh ESME on a virtual clock with a
 * recording uplink, and the two ways the tests send to it: bytes as they are,
 * or an RTDS command with its fields changed and a fresh counter.
 */
import assert from 'node:assert/strict';
import { before } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage, type GbcsMessage, loadKeyStoreDir } from '../../gbcs/index.ts';
import {
  decodeCommand,
  decodeResponse,
  encodeCommand,
  useCaseByCode,
  useCaseById,
} from '../../gbcs/use-cases/index.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import {
  RecordingUplink,
  type RtdsProfile,
  rebuildCommand,
  rtdsEsmeProfile,
} from '../meter-common/test-support.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { Esme } from './esme.ts';
import type { EsmeOptions } from './state.ts';

export type Fields = Record<string, Record<string, unknown>>;

const all = rtdsMessages();

/** The bytes of the RTDS message whose name ends with `suffix` (throws when there is none). */
export function rtdsFixture(suffix: string, kind?: 'COMMAND'): Uint8Array {
  const m = all.find((x) => (kind === undefined || x.kind === kind) && x.name.endsWith(suffix));
  if (!m) throw new Error(`no fixture ${suffix}`);
  return m.bytes;
}

export type EsmeMeter = ReturnType<typeof esmeMeter>;

/** A fresh ESME (RTDS EUI, the profile's credentials and trust anchors; `opts` added) on a virtual clock at `start`. */
function esmeMeter(p: RtdsProfile, opts: Partial<EsmeOptions>, start: number) {
  const clock = new VirtualClock(start);
  const esme = new Esme({
    eui: RTDS_DEVICES.esme,
    clock,
    credentials: p.credentials,
    trustAnchors: p.trustAnchors,
    ...opts,
  });
  const up = new RecordingUplink(() => clock.now());
  esme.attachUplink(up);
  /** Delivers `bytes`; the command event and what the ESME sent back (decoded). */
  const deliver = (bytes: Uint8Array) => {
    esme.onRemotePartyMessage(bytes);
    const out = up.take().map(decodeMessage);
    return {
      ev: esme.events.filter((e) => e.kind === 'command').at(-1),
      out,
      response: out.find((x) => x.cra === 'response'),
      alerts: out.filter((x) => x.cra === 'alert'),
    };
  };
  return { clock, esme, up, deliver };
}

/** Registers the profile load on the calling file's `before`; `rig.profile` is usable inside tests. */
export function esmeTestRig() {
  let loaded: RtdsProfile | undefined;
  before(async () => {
    loaded = await rtdsEsmeProfile(loadKeyStoreDir(RTDS_KEYSTORE));
  });
  const profile = (): RtdsProfile => {
    if (!loaded) throw new Error('the RTDS ESME profile is loaded in before(): use the rig inside a test');
    return loaded;
  };
  return {
    get profile(): RtdsProfile {
      return profile();
    },
    /** A fresh ESME (RTDS EUI, credentials, trust anchors; `opts` added) on a virtual clock at `start`. */
    meter: (opts: Partial<EsmeOptions> = {}, start = RTDS_TIME): EsmeMeter =>
      esmeMeter(profile(), opts, start),
    /**
     * Sends to `meter` the RTDS command `name` with its fields changed by `change` and counters from `counter`
     * up; returns the command event, the response's named fields and the response message.
     */
    changedSender(meter: EsmeMeter, counter: bigint) {
      /**
       * `as`: send use case `as.useCase` with `as.fields` instead, in the envelope of `name` (its
       * originator and signature policy): for use cases no RTDS command shows.
       */
      return (
        name: string,
        change: (f: Fields) => void = () => {},
        as?: { useCase: string; fields: Fields },
      ) => {
        const base = decodeMessage(rtdsFixture(name, 'COMMAND'));
        const row = as ? useCaseById(as.useCase)! : useCaseByCode(base.messageCode)!;
        const fields = structuredClone(as ? as.fields : decodeCommand(row, base.content).fields) as Fields;
        change(fields);
        counter += 1n;
        const content = encodeCommand(row, fields, { originatorCounter: counter });
        const otherInfo = as ? { ...base.otherInfo, messageCode: row.code } : undefined;
        const { ev, response } = meter.deliver(
          rebuildCommand(profile().remote, base, { counter, content, ...(otherInfo ? { otherInfo } : {}) }),
        );
        assert.ok(response, `${name}: no response (${ev?.decision} ${ev?.reason})`);
        const message: GbcsMessage = response;
        return { ev, fields: decodeResponse(row, message.content, fields).fields as Fields, message };
      };
    },
  };
}
