import { AssignerProtocol, PartitionAssigner } from 'kafkajs';

/** Partitions per topic per member. */
export type Assignment = Map<string, Record<string, number[]>>;

/** A pure assignment of every (topic, partition) to one of the members, whatever order either comes in. */
export type AssignmentRule = (memberIds: readonly string[], partitions: ReadonlyArray<{ topic: string; partition: number }>) => Assignment;

/** A kafkajs assigner (for `partitionAssigners`) that assigns the subscribed topics' partitions by `rule`. */
export function partitionAssigner(name: string, rule: AssignmentRule): PartitionAssigner {
  return ({ cluster }) => ({
    name,
    version: 0,
    async assign({ members, topics }) {
      const partitions = topics.flatMap((topic) => cluster.findTopicPartitionMetadata(topic).map((m) => ({ topic, partition: m.partitionId })));
      const assignment = rule(
        members.map((m) => m.memberId),
        partitions,
      );
      return [...assignment].map(([memberId, byTopic]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: byTopic, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}

/** Members sorted by id, each with no partitions yet, and each member's partition lists sorted once `assign` is done. */
export function assignEach(memberIds: readonly string[], partitions: ReadonlyArray<{ topic: string; partition: number }>, memberIndex: (p: { topic: string; partition: number }) => number): Assignment {
  const members = [...memberIds].sort();
  const assignment: Assignment = new Map(members.map((m) => [m, {}]));
  if (members.length === 0) return assignment;
  for (const p of partitions) {
    const member = assignment.get(members[memberIndex(p) % members.length])!;
    (member[p.topic] ??= []).push(p.partition);
  }
  for (const byTopic of assignment.values()) for (const list of Object.values(byTopic)) list.sort((a, b) => a - b);
  return assignment;
}
