/**
 * What the command line prints for an error: a file-system error said as a
 * user reads it (`file not found: PATH`, not `ENOENT: no such file or
 * directory, open 'PATH'`), a typed error with its code, anything else by
 * its message. Never a stack trace.
 */
import { PpmidRelayError } from '../runtime/errors.ts';

interface SystemError extends Error {
  code?: string;
  path?: string;
  syscall?: string;
}

const DIRECTORY_CALLS = new Set(['scandir', 'opendir', 'mkdir', 'rmdir']);

/** The file-system problem `err` reports, or null when it is not one. */
export function fileProblem(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const e = err as SystemError;
  if (e.code === 'EISDIR' && typeof e.path !== 'string') return 'a directory was given where a file belongs';
  if (typeof e.path !== 'string' || typeof e.code !== 'string') return null;
  const p = e.path;
  switch (e.code) {
    case 'ENOENT':
      return `${e.syscall && DIRECTORY_CALLS.has(e.syscall) ? 'directory' : 'file'} not found: ${p}`;
    case 'EISDIR':
      return `${p} is a directory, not a file`;
    case 'ENOTDIR':
      return `${p}: a part of this path is not a directory`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied: ${p}`;
    default:
      return null;
  }
}

/** One line saying what went wrong (`CODE: message` for the project's typed errors). */
export function errorText(err: unknown): string {
  const file = fileProblem(err);
  if (file) return file;
  if (err instanceof PpmidRelayError && err.code !== 'CONFIG') return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
