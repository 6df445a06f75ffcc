import { logLevel } from 'kafkajs';
import { kafkaLogLevel, kafkaLogLeveller } from './kafka-log-level';

// Entries as kafkajs wrote them while three services started on a fresh broker (issue 19).
describe('kafkaLogLevel', () => {
  it.each<[string, number, string, string | undefined, string]>([
    ['the coordinator not yet available', logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', 'The group coordinator is not available', 'debug'],
    ['the coordinator still loading', logLevel.ERROR, 'Response InitProducerId(key: 22, version: 1)', "The coordinator is loading and hence can't process requests for this group", 'debug'],
    ['a heartbeat during a rebalance', logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', 'The group is rebalancing, so a rejoin is needed', 'debug'],
    ['two services creating the same topics', logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', 'Topic creation errors', 'debug'],
    ['a leader moving', logLevel.ERROR, 'Response ListOffsets(key: 2, version: 3)', 'This server is not the leader for that topic-partition', 'debug'],
    ['a transaction still being set up', logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing', 'debug'],
    ['a send retried for it', logLevel.ERROR, 'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing', undefined, 'debug'],
    ['a send to a partition added since the metadata was fetched', logLevel.ERROR, 'Failed to send messages: Producing to partition(s) 3 of topic webhooks.deliveries, which the metadata does not have (yet)', undefined, 'debug'],
    ['our bounded producer retries', logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees', undefined, 'debug'],
    ['a rejoin', logLevel.WARN, 'The group is rebalancing, re-joining', 'The group is rebalancing, so a rejoin is needed', 'info'],
    ['a member forgotten by the coordinator', logLevel.ERROR, 'The coordinator is not aware of this member, re-joining the group', undefined, 'info'],
    ['a consumer restarted because the coordinator forgot the member', logLevel.ERROR, 'Crash: KafkaJSProtocolError: The coordinator is not aware of this member', undefined, 'info'],
    // Seen in CI on a fresh broker: a broadcast reader's group landed on a __consumer_offsets partition still loading.
    ['a consumer restarted on a coordinator still loading', logLevel.ERROR, "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group", undefined, 'info'],
    ['a consumer restarted on a coordinator not yet available', logLevel.ERROR, 'Crash: KafkaJSProtocolError: The group coordinator is not available', undefined, 'info'],
    ['a consumer crash', logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available', undefined, 'error'],
    ['a restart of the consumer', logLevel.ERROR, 'Restarting the consumer in 3000ms', undefined, 'error'],
    ['a lost connection', logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', undefined, 'error'],
    ['an answer that is not expected', logLevel.ERROR, 'Response Produce(key: 0, version: 7)', 'The request included a message larger than the max message size the server will accept', 'error'],
    ['a send failing for another reason', logLevel.ERROR, 'Failed to send messages: Broker: Record is too large', undefined, 'error'],
    ['a warning we do not know', logLevel.WARN, 'consumer#run was called, but the consumer is already running', undefined, 'warn'],
  ])('should log %s at %s', (_what, level, message, error, expected) => {
    expect(kafkaLogLevel(level, message, error)).toBe(expected);
  });

  it.each([
    ['a forgotten member', 'Crash: KafkaJSProtocolError: The coordinator is not aware of this member', 'info'],
    ['a coordinator still loading', "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group", 'info'],
    ['a give-up', 'Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available', 'error'],
  ])('should log the restart after %s at the level of its crash line, per group', (_what, crash, expected) => {
    const levelFor = kafkaLogLeveller();
    expect(levelFor(logLevel.ERROR, crash, undefined, 'g1')).toBe(expected);
    expect(levelFor(logLevel.ERROR, 'Restarting the consumer in 300ms', undefined, 'g2')).toBe('error');
    expect(levelFor(logLevel.ERROR, 'Restarting the consumer in 300ms', undefined, 'g1')).toBe(expected);
  });
});
