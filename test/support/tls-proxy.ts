import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { TestPki } from './test-pki.js';

/**
 * TLS in front of a plain-HTTP service on 127.0.0.1, as a load balancer or
 * Flink's own `security.ssl.rest.enabled` would put it: the product talks
 * https to the real service behind. With `requireClientCert`, connections
 * without a certificate of the test CA are refused (mutual TLS).
 */
export class TlsProxy {
  private readonly sockets = new Set<Socket>();
  /** Handshakes that failed: the client was refused (or refused us). */
  tlsErrors = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(
    target: string,
    pki: TestPki,
    options: { requireClientCert?: boolean } = {},
  ): Promise<TlsProxy> {
    const { hostname, port } = new URL(target);
    const server = createServer({
      cert: readFileSync(pki.serverCertFile),
      key: readFileSync(pki.serverKeyFile),
      ca: readFileSync(pki.caFile),
      requestCert: options.requireClientCert ?? false,
      rejectUnauthorized: options.requireClientCert ?? false,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    const proxy = new TlsProxy(server, `https://127.0.0.1:${address.port}`);
    server.on('tlsClientError', () => proxy.tlsErrors++);
    server.on('secureConnection', (client: TLSSocket) => {
      const upstream = connect(Number(port), hostname);
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => proxy.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    return proxy;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
