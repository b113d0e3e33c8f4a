/**
 * `ppmid-relay supplier ...`: the supplier (DCC Service User) of SECMP0038.
 *
 *   supplier serve [--host 127.0.0.1] [--port 8070] [--dsp-url http://127.0.0.1:8079]
 *                  [--supplier EUI] [--xml-key FILE --xml-cert FILE] [--dsp-cert FILE]...
 *                  [--keystore DIR] [--mqtt-url URL] [--delivery-key FILE]
 *                  [--settings FILE] [--premises FILE] [--receive-path PATH]
 *     The supplier service: DUIS client to the DSP, Receive Response Service
 *     (`<url><receive-path>`, register it with the DSP as this user's
 *     receive URL), route planner (SU-1), command tracker (SU-2), PPMID
 *     provisioning (SU-3), JSON API with OpenAPI at /openapi.json. State in
 *     the store (DATABASE_URL, else SQLite under PPMID_DATA_DIR / ./data).
 *     The internet leg (PPMID delivery) needs --mqtt-url (or MQTT_URL);
 *     without it every command goes over the WAN.
 *     Key defaults are the shared test fixtures ($PPMID_FIXTURES, else
 *     ../shared/fixtures): this is a test environment's supplier.
 *   supplier openapi
 *     Prints the OpenAPI document of the API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { MqttInternet, supplierClientId } from '../../adapters/mqtt/index.ts';
import { TestPki } from '../../adapters/pki/index.ts';
import { migrate, openStore, storeOptionsFromEnv } from '../../adapters/store/index.ts';
import { XmlSigningCertificateStore, xmlSigner } from '../../duis/index.ts';
import { loadKeyStoreDir, SecurityContext } from '../../gbcs/index.ts';
import { normaliseEui } from '../../runtime/bytes.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { supplierPublicPaths } from '../../supplier/http.ts';
import {
  DEFAULT_RECEIVE_PATH,
  DEFAULT_SUPPLIER_PORT,
  DuisClient,
  HttpDuisTransport,
  loadOrCreateDeliveryKey,
  type PremisesDevice,
  type SupplierConfigInput,
  SupplierService,
  startSupplierHttp,
  supplierOpenApi,
} from '../../supplier/index.ts';
import { HttpRelayRegistrar } from '../../supplier/relay-registrar.ts';
import { commandGroup } from '../main.ts';
import { standAloneGuard } from '../operators.ts';
import {
  addSplitOptions,
  refuseSplitOnly,
  refuseStandAlone,
  runSplitParty,
  type SplitFlags,
} from '../split-party.ts';
import { addSetChTime } from './supplier-ch-time.ts';
import { addOrder } from './supplier-order.ts';

const DEFAULT_SUPPLIER = '90B3D51F30010000';
const DEFAULT_DSP_URL = 'http://127.0.0.1:8079';

function fixturesDir(): string {
  return resolve(process.env.PPMID_FIXTURES ?? join('..', 'shared', 'fixtures'));
}

function readKey(file: string): string | Uint8Array {
  const raw = readFileSync(file);
  return raw.subarray(0, 11).toString('latin1') === '-----BEGIN '
    ? raw.toString('utf8')
    : new Uint8Array(raw);
}

function must(file: string, what: string): string {
  if (!existsSync(file)) throw new ConfigError(`${what} not found: ${file}`);
  return file;
}

function json<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(must(file, what), 'utf8')) as T;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${what} ${file}: ${(err as Error).message}`);
  }
}

interface ServeOptions {
  host: string;
  port: string;
  dspUrl: string;
  supplier: string;
  xmlKey?: string;
  xmlCert?: string;
  dspCert: string[];
  keystore?: string;
  mqttUrl?: string;
  deliveryKey?: string;
  settings?: string;
  premises?: string;
  receivePath: string;
}

/** Settings file: SupplierConfigInput as JSON (initialCounter as a decimal string). */
function settingsOf(file: string | undefined): SupplierConfigInput {
  if (!file) return {};
  const raw = json<Record<string, unknown>>(file, 'settings file');
  const out = { ...raw } as SupplierConfigInput & { initialCounter?: unknown };
  if (typeof raw.initialCounter === 'string' || typeof raw.initialCounter === 'number')
    out.initialCounter = BigInt(raw.initialCounter);
  return out as SupplierConfigInput;
}

function addServe(group: Command): void {
  const serve = group
    .command('serve')
    .description(
      'run the supplier service: DUIS client, Receive Response Service, SU-1/2/3, JSON API. Stand-alone: its own key files (--xml-key, --keystore, ...). Split deployment: --split (the supplier process of "up --parties supplier": keys of <data-dir>/keys, embedded broker, relay flags registered with the DSP over HTTP)',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0: any free port)', String(DEFAULT_SUPPLIER_PORT))
    .option('--dsp-url <url>', 'the DSP (POST /api/v1/serviceS|T|D)', DEFAULT_DSP_URL)
    .option('--supplier <eui>', "the supplier's[stand-alone]  EUI (RequestID originator)", DEFAULT_SUPPLIER)
    .option('--xml-key <file>', '[stand-alone] XML-signing private key (PEM, or DER PKCS#8)')
    .option('--xml-cert <file>', '[stand-alone] XML-signing certificate (PEM)')
    .option(
      '--dsp-cert <file>',
      "[stand-alone] a DSP XML-signing certificate to trust (repeatable; default the fixture DSP's)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--keystore <dir>',
      "[stand-alone] GBCS keystore: the supplier's DS and prepayment KA keys, device KA certificates",
    )
    .option(
      '--mqtt-url <url>',
      '[stand-alone] broker for the PPMID leg (mqtt:// or mqtts:// with the PKI in <data>/pki)',
    )
    .option('--delivery-key <file>', '[stand-alone] delivery key (P-256, PKCS#8 PEM; generated if missing)')
    .option('--settings <file>', 'JSON: route planner thresholds and expiry (docs/supplier.md)')
    .option(
      '--premises <file>',
      '[stand-alone] JSON: premises to register at start [{id, chf, devices:[{eui,type}]}]',
    )
    .option(
      '--receive-path <path>',
      '[stand-alone] path of the Receive Response Service',
      DEFAULT_RECEIVE_PATH,
    );
  addSplitOptions(serve, 'supplier').action(async (o: ServeOptions & SplitFlags) => {
    if (o.split) {
      refuseStandAlone(o, ['xmlKey', 'xmlCert', 'dspCert', 'keystore', 'mqttUrl', 'deliveryKey', 'premises']);
      // --settings applies in both modes: thresholds and expiry are the supplier's configuration
      await runSplitParty('supplier', o, { supplier: settingsOf(o.settings) });
      return;
    }
    refuseSplitOnly(o);
    if (o.dataDir !== undefined)
      throw new ConfigError(
        '--data-dir belongs to --split mode (stand-alone: PPMID_DATA_DIR / DATABASE_URL)',
      );
    let eui: string;
    try {
      eui = normaliseEui(o.supplier);
    } catch {
      throw new ConfigError(`--supplier ${o.supplier}: not an EUI-64`);
    }
    const fx = fixturesDir();
    const keys = join(fx, 'duis', 'xml-sign-keys');
    const xmlKey = must(o.xmlKey ?? join(keys, `xml-sign-${eui}-ds.key`), 'XML-signing key');
    const xmlCert = must(o.xmlCert ?? join(keys, `xml-sign-${eui}-ds.pem`), 'XML-signing certificate');
    const dspCerts = o.dspCert.length ? o.dspCert : [join(keys, 'dsp-xml-sign-90B3D51F30000002-ds.pem')];
    const keystoreDir = must(o.keystore ?? join(fx, 'rtds', 'keystore'), 'GBCS keystore');
    const storeOpts = storeOptionsFromEnv();
    const dataDir = resolve(storeOpts.dataDir ?? 'data');
    const clock = new SystemClock();
    const store = await openStore(storeOpts);
    await migrate(store);
    const signer = xmlSigner(readKey(xmlKey), readFileSync(xmlCert, 'utf8'));
    const duis = new DuisClient({
      supplierEui: eui,
      signer,
      dspTrust: new XmlSigningCertificateStore(
        dspCerts.map((f) => readFileSync(must(f, 'DSP certificate'), 'utf8')),
      ),
      transport: new HttpDuisTransport(o.dspUrl),
      clock,
    });
    const mqttUrl = o.mqttUrl ?? process.env.MQTT_URL;
    const pki = await TestPki.open({
      dir: join(dataDir, 'pki'),
      crlFile: process.env.MQTT_CRL_FILE || undefined,
    });
    let mqtt: MqttInternet | undefined;
    let link: Awaited<ReturnType<MqttInternet['connect']>> | undefined;
    if (mqttUrl) {
      mqtt = new MqttInternet(mqttUrl, {
        protocolVersion: process.env.MQTT_PROTOCOL_VERSION === '4' ? 4 : 5,
        ...(mqttUrl.startsWith('mqtts:') ? { pki } : {}),
      });
      link = await mqtt.connect(supplierClientId(eui));
    }
    const service = await SupplierService.start({
      supplierEui: eui,
      clock,
      store,
      duis,
      security: new SecurityContext({ keyStore: loadKeyStoreDir(keystoreDir) }),
      deliveryKey: loadOrCreateDeliveryKey(o.deliveryKey ?? join(dataDir, 'supplier', `${eui}-delivery.key`)),
      ...(link ? { internet: link } : {}),
      pki,
      // SU-3 / C3: relay flags go to the DSP's signed route before each 8.11 Add
      relayRegistrar: new HttpRelayRegistrar({
        dspUrl: o.dspUrl,
        supplierEui: eui,
        privateKey: signer.privateKey,
        clock,
      }),
      config: settingsOf(o.settings),
    });
    if (o.premises) {
      const list = json<Array<{ id: string; chf: string; devices: PremisesDevice[]; name?: string }>>(
        o.premises,
        'premises file',
      );
      for (const p of list) await service.putPremises(p);
    }
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ConfigError(`--port ${o.port}: not a TCP port`);
    const ops = standAloneGuard({ host: o.host, publicPaths: supplierPublicPaths(o.receivePath) });
    const http = await startSupplierHttp(service, {
      host: o.host,
      port,
      receivePath: o.receivePath,
      guard: ops.guard,
    });
    process.stdout.write(ops.describe());
    process.stdout.write(
      `supplier ${eui} listening on ${http.url} (Receive Response Service ${http.receiveUrl}; DSP ${o.dspUrl}; store ${store.location}; PPMID leg ${link ? mqttUrl : 'off: no MQTT URL'})\n`,
    );
    const stop = async () => {
      await http.close();
      await service.close();
      await link?.close();
      await mqtt?.close();
      await store.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });
}

export function register(program: Command): void {
  const group = commandGroup(program, 'supplier');
  addServe(group);
  addSetChTime(group);
  addOrder(group);
  group
    .command('openapi')
    .description('print the OpenAPI document of the supplier API')
    .option('--receive-path <path>', 'path of the Receive Response Service', DEFAULT_RECEIVE_PATH)
    .action((o: { receivePath: string }) => {
      process.stdout.write(`${JSON.stringify(supplierOpenApi(o.receivePath), null, 2)}\n`);
    });
}
