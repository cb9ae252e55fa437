// The client side of bench/slack.ts, in its own process as Slack is: fires
// pre-signed requests all at once and prints each one's time to its HTTP
// response (ms, sorted) as one JSON line. Input on stdin:
// {"url": "...", "requests": [{"body": "...", "headers": {...}}]}
import { Agent, request } from 'undici';

interface Storm {
  url: string;
  requests: Array<{ body: string; headers: Record<string, string> }>;
}

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const storm = JSON.parse(Buffer.concat(chunks).toString()) as Storm;
// One connection per request, as simultaneous commands from Slack arrive.
const agent = new Agent({ connections: storm.requests.length, pipelining: 0 });
const times = await Promise.all(
  storm.requests.map(async ({ body, headers }) => {
    const t0 = performance.now();
    const res = await request(storm.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
      dispatcher: agent,
    });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`ack ${res.statusCode}`);
    return performance.now() - t0;
  }),
);
await agent.close();
process.stdout.write(`${JSON.stringify(times.sort((a, b) => a - b))}\n`);
