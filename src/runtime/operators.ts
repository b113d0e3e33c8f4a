/**
 * Operators of the control planes (supplier API and console, CHM API and
 * Alerts Dashboard, the estate console, the DSP's reports): who may call
 * them, with which role (issue 13, SECMP0038 SU-2 / CSP-3 consoles).
 *
 * - A bearer token per operator (`Authorization: Bearer <token>`), 256
 *   random bits; compared as SHA-256 digests in constant time.
 * - Roles: `operator` (may change things: orders, Block / Unblock, SU-3
 *   provisioning) and `read-only` (GET only).
 * - A browser session is a cookie the server signs itself
 *   (`<name>.<expiry>.<HMAC-SHA256>`): stateless, so every process of a split
 *   deployment that shares the data directory accepts it, and no per-session
 *   state grows without bound.
 * - Kept in `<data-dir>/credentials/` (0700): `<name>.token` (0600) for each
 *   operator and `session.key` (0600). A local demo's credentials are
 *   created on first start (and printed once); an ephemeral system keeps
 *   them in memory.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { PpmidRelayError } from './errors.ts';

export type OperatorRole = 'operator' | 'read-only';
export const OPERATOR_ROLES: readonly OperatorRole[] = ['operator', 'read-only'];

export interface Operator {
  name: string;
  role: OperatorRole;
}

export interface OperatorCredential extends Operator {
  token: string;
}

export class OperatorError extends PpmidRelayError {
  constructor(code: 'OPERATOR_CONFIG', message: string) {
    super(code, message);
  }
}

/** The operators a fresh data directory gets: one of each role. */
export const DEFAULT_OPERATORS: readonly Operator[] = [
  { name: 'operator', role: 'operator' },
  { name: 'viewer', role: 'read-only' },
];

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const SESSION_TTL_MS = 12 * 3_600_000;

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** Writes a secret file 0600 (and keeps it so if it existed with looser modes). */
export function writeSecretFile(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Creates a secret file 0600 unless it exists (another process of the data directory won the race): true if created. */
function createSecretFile(path: string, data: string): boolean {
  try {
    writeFileSync(path, data, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Makes a tree private: directories 0700, files without group and other
 * bits (a data directory written before issue 13 had 0644 files).
 */
export function makeTreePrivate(path: string): void {
  const st = statSync(path);
  if (!st.isDirectory()) {
    if (st.isFile()) chmodSync(path, st.mode & 0o700);
    return;
  }
  const dir = path;
  chmodSync(dir, 0o700);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) makeTreePrivate(p);
    else if (e.isFile()) chmodSync(p, statSync(p).mode & 0o700);
  }
}

/** Makes a private directory 0700 (recursive parents are left as they are). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export class OperatorRegistry {
  private readonly byDigest = new Map<string, { op: Operator; digest: Buffer }>();
  private readonly byName = new Map<string, Operator>();

  private constructor(
    creds: readonly OperatorCredential[],
    private readonly sessionKey: Buffer,
    /** The credentials created now (to print once), empty when they were read from disk. */
    readonly created: readonly OperatorCredential[],
    private readonly all: readonly OperatorCredential[],
    readonly dir: string | undefined,
  ) {
    for (const c of creds) {
      const d = digest(c.token);
      this.byDigest.set(d.toString('hex'), { op: { name: c.name, role: c.role }, digest: d });
      this.byName.set(c.name, { name: c.name, role: c.role });
    }
  }

  /** In memory: fresh tokens for `operators` (tests, `--check`, ephemeral systems). */
  static ephemeral(operators: readonly Operator[] = DEFAULT_OPERATORS): OperatorRegistry {
    const creds = operators.map((o) => ({ ...o, token: newToken() }));
    return new OperatorRegistry(creds, randomBytes(32), creds, creds, undefined);
  }

  /**
   * `<dir>/<name>.token` per operator (role in `<name>.role`, default by
   * name: `viewer` read-only, others operator) and `<dir>/session.key`;
   * the default operators are created when the directory has none.
   */
  static open(dir: string): OperatorRegistry {
    ensurePrivateDir(dir);
    const created: OperatorCredential[] = [];
    const keyPath = join(dir, 'session.key');
    createSecretFile(keyPath, randomBytes(32).toString('hex'));
    const sessionKey = Buffer.from(readFileSync(keyPath, 'utf8').trim(), 'hex');
    if (sessionKey.length < 32) throw new OperatorError('OPERATOR_CONFIG', `${keyPath} holds no 256-bit key`);
    let names = readdirSync(dir)
      .filter((f) => f.endsWith('.token'))
      .map((f) => f.slice(0, -'.token'.length));
    if (names.length === 0) {
      for (const o of DEFAULT_OPERATORS) {
        const c = { ...o, token: newToken() };
        createSecretFile(join(dir, `${o.name}.role`), `${o.role}\n`);
        if (createSecretFile(join(dir, `${o.name}.token`), `${c.token}\n`)) created.push(c);
      }
      names = DEFAULT_OPERATORS.map((o) => o.name);
    }
    const creds: OperatorCredential[] = [];
    for (const name of names) {
      if (!NAME.test(name))
        throw new OperatorError('OPERATOR_CONFIG', `operator name ${name} is not allowed`);
      const token = readFileSync(join(dir, `${name}.token`), 'utf8').trim();
      if (token.length < 32)
        throw new OperatorError('OPERATOR_CONFIG', `${name}.token is shorter than 32 characters`);
      const rolePath = join(dir, `${name}.role`);
      const role = (
        existsSync(rolePath)
          ? readFileSync(rolePath, 'utf8').trim()
          : name === 'viewer'
            ? 'read-only'
            : 'operator'
      ) as OperatorRole;
      if (!OPERATOR_ROLES.includes(role))
        throw new OperatorError('OPERATOR_CONFIG', `${rolePath}: role is operator or read-only`);
      creds.push({ name, role, token });
    }
    return new OperatorRegistry(creds, sessionKey, created, creds, dir);
  }

  /** The operator holding `token`, if any (constant-time comparison of digests). */
  authenticate(token: string | undefined): Operator | undefined {
    if (!token || token.length > 512) return undefined;
    const d = digest(token);
    const hit = this.byDigest.get(d.toString('hex'));
    return hit && timingSafeEqual(hit.digest, d) ? hit.op : undefined;
  }

  /** A session cookie value for `op`, valid `ttlMs` from `now`. */
  issueSession(op: Operator, now: number, ttlMs = SESSION_TTL_MS): string {
    const body = `${op.name}.${now + ttlMs}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The operator of a session cookie value, if it is ours and not expired. */
  session(value: string | undefined, now: number): Operator | undefined {
    if (!value || value.length > 256) return undefined;
    const parts = value.split('.');
    if (parts.length !== 3) return undefined;
    const [name, exp, mac] = parts;
    const want = Buffer.from(this.mac(`${name}.${exp}`), 'hex');
    const got = Buffer.from(mac, 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    if (!(Number(exp) > now)) return undefined;
    return this.byName.get(name);
  }

  /** The token of a named operator (tests, the local demo's own clients). */
  token(name: string): string {
    const c = this.all.find((x) => x.name === name);
    if (!c) throw new OperatorError('OPERATOR_CONFIG', `no operator ${name}`);
    return c.token;
  }

  /** The token of the first operator with `role`. */
  tokenFor(role: OperatorRole): string {
    const c = this.all.find((x) => x.role === role);
    if (!c) throw new OperatorError('OPERATOR_CONFIG', `no operator with role ${role}`);
    return c.token;
  }

  /** A key for another purpose derived from the session key (HMAC label). */
  deriveKey(label: string): Buffer {
    return createHmac('sha256', this.sessionKey).update(`ppmid-relay:${label}`).digest();
  }

  private mac(body: string): string {
    return createHmac('sha256', this.sessionKey).update(body).digest('hex');
  }
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}
