import { Assignment, assignEach, partitionAssigner } from './partition-assigner';

/**
 * Partition `p` of the `t`-th topic (topics sorted by name) goes to member `(p + t) mod n` (members sorted by
 * id). The fan-out reads one domain topic per event type, all keyed by organization and usually with the same
 * partition count, so one organization's events sit on the same partition number in every topic. kafkajs'
 * round-robin assigner, counting on across topics, gives partition `p` of every such topic to the same member
 * whenever the member count divides the partition count: a heavy organization, or an unlucky hash of many,
 * then lands on one instance for every type. Rotating the start by one per topic spreads a partition number
 * over the members, while each topic's partitions stay spread evenly (counts differ by at most one per topic).
 */
export function rotatedAssignment(memberIds: readonly string[], partitions: ReadonlyArray<{ topic: string; partition: number }>): Assignment {
  const topicIndex = new Map([...new Set(partitions.map((p) => p.topic))].sort().map((topic, i) => [topic, i]));
  return assignEach(memberIds, partitions, ({ topic, partition }) => partition + topicIndex.get(topic)!);
}

export const ROTATED_ASSIGNER_NAME = 'RotatedRoundRobinAssigner';

/**
 * The kafkajs glue for `rotatedAssignment`. List kafkajs' round-robin assigner after it: the coordinator picks a
 * protocol that every member offers, so during a rolling upgrade from a version without this one the group stays
 * on round-robin until the last old member has left.
 */
export const RotatedAssigner = partitionAssigner(ROTATED_ASSIGNER_NAME, rotatedAssignment);
