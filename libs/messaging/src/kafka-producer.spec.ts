import { Kafka, KafkaJSNonRetriableError, KafkaJSProtocolError, Producer } from 'kafkajs';
import { KafkaProducer } from './messaging.module';

describe('KafkaProducer', () => {
  it('should fail the send and go on through a new idempotent producer once the broker lost its sequence state', async () => {
    const lost = new KafkaJSProtocolError({ type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', code: 45, retriable: false, message: 'out of order sequence number' } as never);
    const failures: Error[] = [Object.assign(new KafkaJSNonRetriableError(lost), { cause: lost })];
    const made: Array<Record<'connect' | 'disconnect' | 'send', jest.Mock>> = [];
    const kafka = {
      producer: jest.fn((config: { idempotent?: boolean }) => {
        expect(config.idempotent).toBe(true);
        const send = jest.fn(async () => {
          const failure = failures.shift();
          if (failure) throw failure;
          return [];
        });
        const p = { connect: jest.fn(async () => undefined), disconnect: jest.fn(async () => undefined), send };
        made.push(p);
        return p as unknown as Producer;
      }),
    } as unknown as Kafka;
    const producer = new KafkaProducer(kafka);
    await producer.onModuleInit();

    await expect(producer.send('deliveries', [{ value: 'a' }])).rejects.toThrow('out of order sequence number');
    await producer.send('deliveries', [{ value: 'b' }]);

    expect(made).toHaveLength(2);
    expect(made[0].disconnect).toHaveBeenCalled();
    expect(made[1].connect).toHaveBeenCalled();
    expect(made[1].send).toHaveBeenCalledWith(expect.objectContaining({ messages: [{ value: 'b' }] }));
  });
});
