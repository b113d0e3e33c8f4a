/**
 * What the GSME's own use-case handlers (handlers/) get of the meter, beyond
 * the read view the GPF's gas mirror shares (GsmeView): the security context
 * (UTRNs), the device clock and Set Clock, future-dated execution. The Gsme
 * class builds one; handlers are plain functions of (call, services).
 */
import type { Eui } from '../../runtime/bytes.ts';
import type { CredentialHost } from '../meter-common/credential-handlers.ts';
import type { DeviceKeyHolder } from '../meter-common/device-credentials.ts';
import type { FutureDatedEntry } from '../meter-common/meter-device.ts';
import type { TimeStatus } from '../meter-common/time.ts';
import type { DeviceSecurity } from '../security/device-security.ts';
import type { GsmeView } from './handlers/index.ts';

export interface GsmeServices extends GsmeView {
  readonly eui: Eui;
  readonly security: DeviceSecurity;
  /** the CH's time (Set Clock adopts it) */
  networkTime(): number;
  setDeviceTime(epochMs: number, status: TimeStatus): void;
  /** queues future-dated work (refused while the time is Unreliable: FutureDatedTimeUnreliableError) */
  scheduleFutureDated(entry: FutureDatedEntry): void;
  cancelFutureDated(key: string): boolean;
  /** its Trust Anchor cells, credential state and clock (CS02a / CS02b / CS02f; meter-common/credential-handlers.ts) */
  readonly credentialHost: CredentialHost;
  /** its own key pairs and certificates (CS02c / CS02d / CS02e) */
  readonly deviceKeys: DeviceKeyHolder;
}
