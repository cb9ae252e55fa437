import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Certificates made with the openssl command line (Node has no X.509 issuing
 * API), in `dir`: `<name>.pem` and `<name>.key` (PKCS#8, unencrypted). For
 * the local stack's TLS listener and the tests' private CAs only.
 */
function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `openssl ${args[0]} failed in ${dir}: ${(err as Error).message}. Install openssl (Debian package openssl) and try again.`,
    );
  }
}

/** A self-signed CA, `<name>.pem` and `<name>.key`, with common name `name`. */
export function newCa(dir: string, name: string, days: number): void {
  const key = ['-keyout', `${name}.key`, '-out', `${name}.pem`];
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    String(days),
    '-subj',
    `/CN=${name}`,
    ...key,
  ]);
}

/** A certificate `<name>.pem` (and its key) signed by the CA `ca`, with the X.509 extensions `ext`. */
export function issue(dir: string, ca: string, name: string, ext: string, days: number): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  const request = ['-keyout', `${name}.key`, '-out', `${name}.csr`];
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, ...request]);
  const signing = ['-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial'];
  const out = ['-days', String(days), '-extfile', `${name}.ext`, '-out', `${name}.pem`];
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, ...signing, ...out]);
}
