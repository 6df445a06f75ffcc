import { Kafka, KafkaJSNonRetriableError, KafkaJSProtocolError, Producer } from 'kafkajs';
import { EventPublisher } from './event-publisher';

const event = { type: 'order.new', organizationId: 'org_1', mode: 'live' as const, data: { orderId: 'ord_1' } };

/** A kafka client whose producers are fakes; `failures` are thrown by the next sends, one each. */
function fakeKafka(failures: Error[]) {
  const producers: Array<{ connect: jest.Mock; disconnect: jest.Mock; sendBatch: jest.Mock }> = [];
  const kafka = {
    producer: jest.fn(() => {
      const p = {
        connect: jest.fn(async () => undefined),
        disconnect: jest.fn(async () => undefined),
        sendBatch: jest.fn(async () => {
          const failure = failures.shift();
          if (failure) throw failure;
          return [];
        }),
      };
      producers.push(p);
      return p as unknown as Producer;
    }),
  };
  return { kafka: kafka as unknown as Kafka, producers };
}

// As kafkajs throws it: the broker's error, wrapped by the retrier that gave up on it.
function brokerError(type: string, code: number): Error {
  const protocolError = new KafkaJSProtocolError({ type, code, retriable: false, message: `broker said ${type}` } as never);
  return Object.assign(new KafkaJSNonRetriableError(protocolError), { cause: protocolError });
}

describe('EventPublisher', () => {
  it.each([
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45],
    ['UNKNOWN_PRODUCER_ID', 59],
  ])('should fail the send and publish the next one through a new idempotent producer after %s', async (type, code) => {
    const { kafka, producers } = fakeKafka([brokerError(type, code)]);
    const publisher = new EventPublisher({ kafka });

    await expect(publisher.publishEvent(event)).rejects.toThrow(`broker said ${type}`);
    await expect(publisher.publishEvent(event)).resolves.toMatchObject({ topic: 'order.new' });

    expect(producers).toHaveLength(2);
    expect(producers[0].disconnect).toHaveBeenCalled();
    expect(producers[1].connect).toHaveBeenCalled();
    expect(producers[1].sendBatch).toHaveBeenCalledTimes(1);
  });

  it('should keep its producer after any other failure', async () => {
    const { kafka, producers } = fakeKafka([new KafkaJSNonRetriableError('Connection error: connect ECONNREFUSED 127.0.0.1:9092')]);
    const publisher = new EventPublisher({ kafka });

    await expect(publisher.publishEvent(event)).rejects.toThrow(/ECONNREFUSED/);
    await publisher.publishEvent(event);

    expect(producers).toHaveLength(1);
    expect(producers[0].sendBatch).toHaveBeenCalledTimes(2);
  });
});
