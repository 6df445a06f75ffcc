import { AssignerProtocol, PartitionAssigner } from 'kafkajs';

/** Partitions per topic per member. */
export type CoLocatedAssignment = Map<string, Record<string, number[]>>;

/**
 * Partition `i` of every topic goes to the same member (members sorted by id, `i` modulo their
 * number). With the same partition count and the same key on every topic, all the messages of one
 * key then reach one member: the delivery group reads the deliveries topic and every retry tier
 * this way, so one instance makes all the calls to an endpoint and can keep its rate limit alone.
 * kafkajs ships only the round-robin assigner, which spreads partition `i` of two topics over
 * different members.
 */
export function coLocatedAssignment(memberIds: readonly string[], partitions: ReadonlyArray<{ topic: string; partition: number }>): CoLocatedAssignment {
  const members = [...memberIds].sort();
  const assignment: CoLocatedAssignment = new Map(members.map((m) => [m, {}]));
  if (members.length === 0) return assignment;
  for (const { topic, partition } of partitions) {
    const member = assignment.get(members[partition % members.length])!;
    (member[topic] ??= []).push(partition);
  }
  for (const topics of assignment.values()) for (const list of Object.values(topics)) list.sort((a, b) => a - b);
  return assignment;
}

export const CO_LOCATED_ASSIGNER_NAME = 'CoLocatedAssigner';

/** The kafkajs glue for `coLocatedAssignment` (pass as `partitionAssigners: [CoLocatedAssigner]`). */
export const CoLocatedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_LOCATED_ASSIGNER_NAME,
  version: 0,
  async assign({ members, topics }) {
    const partitions = topics.flatMap((topic) => cluster.findTopicPartitionMetadata(topic).map((m) => ({ topic, partition: m.partitionId })));
    const assignment = coLocatedAssignment(
      members.map((m) => m.memberId),
      partitions,
    );
    return [...assignment].map(([memberId, byTopic]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: byTopic, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: CO_LOCATED_ASSIGNER_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
