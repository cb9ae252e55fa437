import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The PEM files of the local broker's TLS listener. */
export interface KafkaTlsFiles {
  /** The stack's own CA: what a client trusts (EVOLVE_KAFKA_SSL_CA_FILE). */
  caFile: string;
  /** The broker's private key (PKCS#8, unencrypted) followed by its certificate for 127.0.0.1. */
  keystoreFile: string;
}

/**
 * A private CA and a server certificate for 127.0.0.1, made once with the
 * openssl command line (Node has no X.509 issuing API) and kept with the
 * stack's data: TLS of the local stack only, trusted by nothing else.
 */
export function kafkaTlsFiles(kafkaHome: string): KafkaTlsFiles {
  const dir = join(kafkaHome, 'tls');
  const files = { caFile: join(dir, 'ca.pem'), keystoreFile: join(dir, 'broker-keystore.pem') };
  if (existsSync(files.caFile) && existsSync(files.keystoreFile)) return files;
  mkdirSync(dir, { recursive: true });
  const openssl = (args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    } catch (err) {
      throw new Error(
        `making the local Kafka's TLS certificate failed (openssl ${args[0]}): ${(err as Error).message}. Install openssl (Debian package openssl) and run the stack again.`,
      );
    }
  };
  const days = '3650';
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', days].concat([
      '-subj',
      '/CN=flink-evolve local stack CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ]),
  );
  writeFileSync(
    join(dir, 'broker.ext'),
    'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'].concat([
      '-keyout',
      'broker.key',
      '-out',
      'broker.csr',
    ]),
  );
  openssl(
    ['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key'].concat([
      '-CAcreateserial',
      '-days',
      days,
      '-extfile',
      'broker.ext',
      '-out',
      'broker.pem',
    ]),
  );
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
