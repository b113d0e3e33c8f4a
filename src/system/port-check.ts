/**
 * Port collisions, found before anything is generated or opened: each port
 * the system will listen on is tried once (listen, then close), all at once,
 * and every busy one is named with what would listen there and the option
 * that moves it (PORT_TABLE), e.g. `MQTT broker port 8883 is in use
 * (--mqtt-port)`. A port taken between the check and the real listen still
 * gets the same message (`describeListenError`).
 */
import { createServer } from 'node:net';
import { PORT_TABLE, type PortName, type ResolvedConfig } from './config.ts';
import { SystemError } from './ports.ts';

export interface BusyPort {
  name: PortName;
  port: number;
  /** the option that moves it (default: PORT_TABLE's) */
  option?: string;
  /** EADDRINUSE, EACCES, ... */
  code: string;
}

/** Tries to listen on each port of `host`; resolves with those that refused. */
export async function findBusyPorts(
  host: string,
  ports: ReadonlyArray<readonly [PortName, number]>,
): Promise<BusyPort[]> {
  const tries = ports.map(
    ([name, port]) =>
      new Promise<BusyPort | undefined>((resolve) => {
        const server = createServer();
        server.once('error', (err: NodeJS.ErrnoException) =>
          resolve({ name, port, code: err.code ?? String(err) }),
        );
        server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
      }),
  );
  return (await Promise.all(tries)).filter((b): b is BusyPort => b !== undefined);
}

function busyLine(b: BusyPort): string {
  const row = PORT_TABLE[b.name];
  const why =
    b.code === 'EADDRINUSE'
      ? 'is in use'
      : b.code === 'EACCES'
        ? 'needs privileges'
        : b.code === 'EADDRNOTAVAIL'
          ? 'is not available on this address'
          : `cannot be opened (${b.code})`;
  return `${row.what} port ${b.port} ${why} (${b.option ?? row.option})`;
}

/** One error naming every busy port, with what listens there and the option that moves it. */
export function busyPortsError(host: string, busy: readonly BusyPort[]): SystemError {
  return new SystemError(
    'SYSTEM_START',
    `cannot listen on ${host}:\n${busy.map((b) => `  ${busyLine(b)}`).join('\n')}\n` +
      'Stop what holds them, or choose other ports: the options named, or --port-base N for all of them (N .. N+5).',
  );
}

/** Fails with busyPortsError when any port `config` listens on is taken. */
export async function checkPortsFree(config: ResolvedConfig, names: readonly PortName[]): Promise<void> {
  const busy = await findBusyPorts(
    config.host,
    names.map((n) => [n, config.ports[n]] as const),
  );
  if (busy.length > 0)
    throw busyPortsError(
      config.host,
      busy.map((b) => ({ ...b, option: config.portOptions[b.name] })),
    );
}

/** A listen error (`EADDRINUSE` on one of the configured ports) as the same message; otherwise undefined. */
export function describeListenError(err: unknown, config: ResolvedConfig): SystemError | undefined {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (typeof e?.code !== 'string' || !['EADDRINUSE', 'EACCES'].includes(e.code)) return undefined;
  const name = (Object.keys(config.ports) as PortName[]).find((n) => config.ports[n] === e.port);
  if (!name || e.port === undefined) return undefined;
  return busyPortsError(config.host, [
    { name, port: e.port, code: e.code, option: config.portOptions[name] },
  ]);
}
