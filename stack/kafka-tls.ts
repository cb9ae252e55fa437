import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { issue, newCa } from './pki.js';
import type { StackConfig } from './stack-config.js';

/** The PEM files of the local broker's TLS listener. */
export interface KafkaTlsFiles {
  /** The stack's own CA: what a client trusts (EVOLVE_KAFKA_SSL_CA_FILE). */
  caFile: string;
  /** The broker's private key (PKCS#8, unencrypted) followed by its certificate for 127.0.0.1. */
  keystoreFile: string;
}

/** Ten years: the files live as long as the stack's data, not a test run. */
const DAYS = 3650;

/**
 * The stack's own CA (at `tls.caFile`) and a server certificate for
 * 127.0.0.1 signed by it, made once and kept with the stack's data: TLS of
 * the local stack only, trusted by nothing else.
 */
export function kafkaTlsFiles(tls: StackConfig['kafka']['tls']): KafkaTlsFiles {
  const dir = dirname(tls.caFile);
  const files = { caFile: tls.caFile, keystoreFile: join(dir, 'broker-keystore.pem') };
  if (existsSync(files.caFile) && existsSync(files.keystoreFile)) return files;
  mkdirSync(dir, { recursive: true });
  newCa(dir, 'ca', DAYS);
  issue(dir, 'ca', 'broker', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n', DAYS);
  writeFileSync(
    files.keystoreFile,
    readFileSync(join(dir, 'broker.key'), 'utf8') + readFileSync(join(dir, 'broker.pem'), 'utf8'),
  );
  return files;
}

/** The SSL listener's settings: Kafka reads the PEM key and chain from one file. */
export function tlsListenerSettings(files: KafkaTlsFiles): string[] {
  return [
    'listener.name.ssl.ssl.keystore.type=PEM',
    `listener.name.ssl.ssl.keystore.location=${files.keystoreFile}`,
  ];
}
