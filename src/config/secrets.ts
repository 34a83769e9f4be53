import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Secrets are never written in Sentinel's own configuration: the file names an environment variable
 * (`*_env`) or a file (`*_file`, e.g. a Docker or Kubernetes secret) and the value is read at load.
 * Nothing here puts a secret value into a message.
 */

export const MIN_TOKEN_LENGTH = 16;
const MAX_SECRET_FILE_BYTES = 64 * 1024;
/** Bearer tokens travel in an HTTP header, so only visible ASCII survives the trip unchanged. */
const TOKEN_CHARS_RE = /^[\x21-\x7e]+$/;

export type SecretResult = { ok: true; value: string; origin: string } | { ok: false; message: string };

/**
 * Reads the secret named by an environment variable or a file. Relative file paths are resolved
 * against `baseDir` (the configuration file's directory), as Alertmanager does for its *_file options.
 */
export async function readSecret(
  ref: { env: string | null; file: string | null },
  env: NodeJS.ProcessEnv,
  baseDir: string,
): Promise<SecretResult> {
  if (ref.env !== null) {
    const value = env[ref.env];
    if (value === undefined) return { ok: false, message: `environment variable ${ref.env} is not set` };
    if (value === '') return { ok: false, message: `environment variable ${ref.env} is empty` };
    return { ok: true, value, origin: `environment variable ${ref.env}` };
  }
  if (ref.file !== null) {
    const file = path.resolve(baseDir, ref.file);
    const read = await readSecretFile(file);
    if (!read.ok) return read;
    // Editors and `echo` add one newline at the end; anything more is part of the value.
    const value = read.value.replace(/\r?\n$/, '');
    if (value === '') return { ok: false, message: `file ${file} is empty` };
    return { ok: true, value, origin: `file ${file}` };
  }
  return { ok: false, message: 'no environment variable or file given' };
}

async function readSecretFile(
  file: string,
): Promise<{ ok: true; value: string } | { ok: false; message: string }> {
  try {
    const info = await stat(file);
    // A FIFO or device (/dev/zero) would block or never end; secrets are small regular files.
    if (!info.isFile()) return { ok: false, message: `file ${file} is not a regular file` };
    if (info.size > MAX_SECRET_FILE_BYTES)
      return { ok: false, message: `file ${file} is larger than 64 KiB` };
    return { ok: true, value: await readFile(file, 'utf8') };
  } catch (err) {
    return { ok: false, message: `file ${file} ${describeFsError(err)}` };
  }
}

function describeFsError(err: unknown): string {
  const code = err instanceof Error && 'code' in err ? String((err as NodeJS.ErrnoException).code) : '';
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'is not readable (permission denied)';
    case 'ENOTDIR':
      return 'does not exist (a parent is not a directory)';
    default:
      return `cannot be read${code ? ` (${code})` : ''}`;
  }
}

/** Why a bearer token is unusable, or null when it is fine. The value itself is never mentioned. */
export function checkTokenValue(token: string, origin: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH) {
    return `the token from ${origin} is shorter than ${MIN_TOKEN_LENGTH} characters; use a long random value (e.g. openssl rand -hex 32)`;
  }
  if (!TOKEN_CHARS_RE.test(token)) {
    return `the token from ${origin} contains spaces, line breaks or non-ASCII characters; tokens must be printable ASCII`;
  }
  return null;
}
