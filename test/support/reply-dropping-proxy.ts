import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of Redis that can lose one reply: once
 * armed with a marker, the first command sent through it that contains the
 * marker reaches Redis and runs, and the connection is cut as Redis's reply
 * comes back, before the client reads it (a network fault after the write).
 * The client reconnects through the proxy, which forwards everything again.
 */
export class ReplyDroppingProxy {
  private marker: string | undefined;
  private readonly sockets = new Set<Socket>();
  /** Replies dropped so far: proof the fault happened, not just that it was armed. */
  dropped = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    readonly url: string,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: string): Promise<ReplyDroppingProxy> {
    const { hostname, port } = new URL(target);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    return new ReplyDroppingProxy(
      server,
      { host: hostname, port: Number(port) },
      `redis://127.0.0.1:${address.port}`,
    );
  }

  /** The next command containing `marker` runs in Redis, and its reply is lost. */
  dropReplyTo(marker: string): void {
    this.marker = marker;
  }

  private accept(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    // A command can span several chunks: look at what this connection sent since its last reply.
    let sent = '';
    let dropNextReply = false;
    client.on('data', (chunk: Buffer) => {
      sent += chunk.toString('latin1');
      if (this.marker !== undefined && sent.includes(this.marker)) {
        this.marker = undefined;
        dropNextReply = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      sent = '';
      if (dropNextReply) {
        this.dropped++;
        upstream.destroy();
        client.destroy();
        return;
      }
      client.write(chunk);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
