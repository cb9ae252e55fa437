import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Order } from './demo-pipeline.js';

/**
 * Writes a steady, realistic stream of orders for the demo: a few hundred
 * customers, amounts from 1 to 200, about one order in five cancelled, and a
 * handful of customers who cancel everything (v2 will delete them).
 */
export class OrderGenerator {
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private x = 7;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  private rnd(): number {
    this.x = (this.x * 1103515245 + 12345) % 2 ** 31;
    return this.x / 2 ** 31;
  }

  next(): Order {
    const n = this.seq++;
    const serialCanceller = this.rnd() < 0.03;
    const customer = serialCanceller
      ? `cancels-${Math.floor(this.rnd() * 5)}`
      : `cust-${String(Math.floor(this.rnd() * 300)).padStart(3, '0')}`;
    return {
      order_id: `ord-${Date.now().toString(36)}-${n}`,
      customer_id: customer,
      amount: 1 + Math.floor(this.rnd() * 200),
      status: serialCanceller || this.rnd() < 0.2 ? 'cancelled' : 'placed',
    };
  }

  async send(count: number): Promise<void> {
    this.producer ??= this.kafka.producer({
      allowAutoTopicCreation: false,
      // Keys land where Java's Kafka clients would put them (murmur2), without kafkajs's warning.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
    const orders = Array.from({ length: count }, () => this.next());
    await this.producer.send({
      topic: this.topic,
      messages: orders.map((o) => ({ key: o.order_id, value: JSON.stringify(o) })),
    });
  }

  /** Sends `perSecond` orders every second until stopped. */
  start(perSecond: number): void {
    this.timer = setInterval(() => void this.send(perSecond).catch(() => undefined), 1_000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.producer?.disconnect();
  }
}
