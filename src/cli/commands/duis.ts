/**
 * `ppmid-relay duis ...`: the DUIS codec on the command line.
 *
 *   duis parse FILE...                         header and body of each request/response, as JSON
 *   duis validate FILE...                      XSD validation (xmllint); exit 1 if any is invalid
 *   duis sign --key K --cert C [--replace] FILE   signed XML on stdout
 *   duis verify --cert C [--cert C2...] FILE...   verify signatures; exit 1 if any fails
 *   duis catalogue [--json]                    the Service Request catalogue
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  parseDuisRequest,
  parseDuisResponse,
  SERVICE_REQUESTS,
  signDuisXml,
  validateAgainstDuisXsd,
  verifyDuisSignature,
  XmlSigningCertificateStore,
  xmlSigner,
} from '../../duis/index.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { errorText } from '../errors.ts';
import { commandGroup } from '../main.ts';

/** JSON with bigints as decimal strings and bytes as hex. */
export function toJson(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, x) =>
      typeof x === 'bigint'
        ? x.toString()
        : x instanceof Uint8Array
          ? Buffer.from(x).toString('hex').toUpperCase()
          : x,
    2,
  );
}

/** Parses a DUIS document of either kind. */
export function parseAny(xml: Uint8Array): unknown {
  const head = Buffer.from(xml.subarray(0, 4096)).toString('utf8');
  return /<([\w-]+:)?Response[\s>]/.test(head) ? parseDuisResponse(xml) : parseDuisRequest(xml);
}

/** Whether a DUIS document holds an XML signature (a template's placeholder counts). */
function hasSignature(xml: Uint8Array): boolean {
  return /<([\w-]+:)?Signature[\s>]/.test(Buffer.from(xml).toString('utf8'));
}

/** Loads certificates from PEM files or directories of `*.pem` files (private-key PEMs skipped). */
export function loadTrustStore(paths: string[]): XmlSigningCertificateStore {
  const store = new XmlSigningCertificateStore();
  for (const p of paths) {
    const files = statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.pem'))
          .map((f) => join(p, f))
      : [p];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      if (text.includes('BEGIN CERTIFICATE')) store.add(text);
    }
  }
  return store;
}

function fail(file: string, e: unknown): void {
  process.stderr.write(`${file}: ${errorText(e)}\n`);
  process.exitCode = 1;
}

export function register(program: Command): void {
  const duis = commandGroup(program, 'duis');

  duis
    .command('parse')
    .argument('<files...>')
    .description('parse DUIS requests/responses and print them as JSON')
    .action((files: string[]) => {
      for (const f of files) {
        try {
          process.stdout.write(`${toJson({ file: f, ...(parseAny(readFileSync(f)) as object) })}\n`);
        } catch (e) {
          fail(f, e);
        }
      }
    });

  duis
    .command('validate')
    .argument('<files...>')
    .option('--xsd-dir <dir>', 'directory with the DUIS and MMC V5.4 schemas')
    .description('validate against the DUIS V5.4 XSD (xmllint)')
    .action((files: string[], opts: { xsdDir?: string }) => {
      for (const f of files) {
        try {
          const r = validateAgainstDuisXsd(readFileSync(f), opts.xsdDir ? { xsdDir: opts.xsdDir } : {});
          if (r.valid) process.stdout.write(`${f}: valid\n`);
          else fail(f, new Error(`invalid\n  ${r.errors.join('\n  ')}`));
        } catch (e) {
          fail(f, e);
        }
      }
    });

  duis
    .command('sign')
    .argument('<file>')
    .requiredOption('--key <file>', 'XML-signing private key (PKCS#8 DER or PEM)')
    .requiredOption('--cert <file>', 'XML-signing certificate (PEM or DER)')
    .option('--replace', 'replace an existing (e.g. placeholder) signature')
    .description('sign a DUIS document the DUIS way; the signed XML goes to stdout')
    .action((file: string, opts: { key: string; cert: string; replace?: boolean }) => {
      // the key and certificate are named as the options they came from, not as the document
      const read = (option: string, path: string): Buffer | undefined => {
        try {
          return readFileSync(path);
        } catch (e) {
          fail(option, e);
          return undefined;
        }
      };
      const keyBytes = read('--key', opts.key);
      const cert = keyBytes && read('--cert', opts.cert);
      if (!keyBytes || !cert) return;
      let signer: ReturnType<typeof xmlSigner>;
      try {
        const key = keyBytes.includes('-----BEGIN') ? keyBytes.toString('utf8') : new Uint8Array(keyBytes);
        signer = xmlSigner(key, cert);
      } catch (e) {
        fail('--key/--cert', e);
        return;
      }
      try {
        const xml = readFileSync(file);
        if (!opts.replace && hasSignature(xml)) {
          fail(
            file,
            new ConfigError(
              'already has a ds:Signature (a template holds a placeholder one): give --replace to replace it',
            ),
          );
          return;
        }
        process.stdout.write(signDuisXml(xml, signer, { replaceExistingSignature: opts.replace }));
      } catch (e) {
        fail(file, e);
      }
    });

  duis
    .command('verify')
    .argument('<files...>')
    .requiredOption(
      '--cert <path>',
      'trusted certificate file or directory of .pem files (repeat --cert for more)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .description('verify DUIS XML signatures against the given certificates')
    .action((files: string[], opts: { cert: string[] }) => {
      const store = loadTrustStore(opts.cert);
      for (const f of files) {
        try {
          const { signer } = verifyDuisSignature(readFileSync(f), store);
          process.stdout.write(
            `${f}: valid, signed by ${signer.subjectEui ?? '?'} (issuer ${signer.issuerName}, serial ${signer.serialNumber})\n`,
          );
        } catch (e) {
          fail(f, e);
        }
      }
    });

  duis
    .command('catalogue')
    .option('--json', 'as JSON')
    .description('list the DUIS Service Reference Variants with class, CVs and body element')
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        process.stdout.write(`${toJson(SERVICE_REQUESTS)}\n`);
        return;
      }
      for (const d of SERVICE_REQUESTS) {
        process.stdout.write(
          `${d.srv.padEnd(7)} ${d.class.padEnd(12)} CV ${d.commandVariants.join(',').padEnd(8)} ${d.bodyElement.padEnd(48)} ${d.name}\n`,
        );
      }
    });
}
