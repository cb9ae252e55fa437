import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issue, newCa } from '../../stack/pki.js';

export interface TestPki {
  dir: string;
  caFile: string;
  /** A second CA that signed nothing here: trusting it must not be enough. */
  otherCaFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  dispose(): void;
}

/**
 * A private CA with a server certificate for 127.0.0.1 and a client
 * certificate, made with the openssl command line in a temporary folder
 * (Node has no X.509 issuing API). Two days of validity: tests only.
 */
export function testPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'evolve-pki-'));
  newCa(dir, 'ca', 2);
  newCa(dir, 'other-ca', 2);
  issue(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n', 2);
  issue(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n', 2);
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
