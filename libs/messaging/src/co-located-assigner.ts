import { Assignment, assignEach, partitionAssigner } from './partition-assigner';

/**
 * Partition `i` of every topic goes to the same member (members sorted by id, `i` modulo their
 * number). With the same partition count and the same key on every topic, all the messages of one
 * key then reach one member: the delivery group reads the deliveries topic and every retry tier
 * this way, so one instance makes all the calls to an endpoint and can keep its rate limit alone.
 * kafkajs ships only the round-robin assigner, which spreads partition `i` of two topics over
 * different members.
 */
export function coLocatedAssignment(memberIds: readonly string[], partitions: ReadonlyArray<{ topic: string; partition: number }>): Assignment {
  return assignEach(memberIds, partitions, ({ partition }) => partition);
}

export const CO_LOCATED_ASSIGNER_NAME = 'CoLocatedAssigner';

/** The kafkajs glue for `coLocatedAssignment` (pass as `partitionAssigners: [CoLocatedAssigner]`). */
export const CoLocatedAssigner = partitionAssigner(CO_LOCATED_ASSIGNER_NAME, coLocatedAssignment);
