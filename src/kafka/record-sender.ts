import type { Producer } from 'kafkajs';

/**
 * What the backfill and the topic copies need of a producer: `send`, as
 * kafkajs's Producer has it. BatchProducer is one; a kafkajs producer (what
 * tests write with) is another.
 */
export type RecordSender = Pick<Producer, 'send'>;
