import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of one service, which a test can switch
 * off: while off, open connections are reset and new ones are accepted and
 * reset at once, as a client sees a service whose host went away.
 */
export class SwitchableProxy {
  private on = true;
  private readonly sockets = new Set<Socket>();
  /** Connections reset while off: proof that the outage was met, not just scheduled. */
  refused = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    readonly url: string,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: string): Promise<SwitchableProxy> {
    const { hostname, port } = new URL(target);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    return new SwitchableProxy(
      server,
      { host: hostname, port: Number(port) },
      `http://127.0.0.1:${address.port}`,
    );
  }

  private accept(client: Socket): void {
    if (!this.on) {
      this.refused++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  get isOn(): boolean {
    return this.on;
  }

  /** Cuts the service off: open connections (keep-alive pools included) are reset. */
  switchOff(): void {
    this.on = false;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  switchOn(): void {
    this.on = true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
