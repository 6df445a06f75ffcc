import { coLocatedAssignment } from './co-located-assigner';

const partitionsOf = (topics: Record<string, number | undefined>) => Object.entries(topics).flatMap(([topic, n]) => Array.from({ length: n ?? 0 }, (_, partition) => ({ topic, partition })));

describe('coLocatedAssignment', () => {
  it.each([
    {
      name: 'should give partition i of every topic to one member when two members share three topics',
      members: ['m-b', 'm-a'],
      topics: { deliveries: 4, 'retry.10s': 4, 'retry.100s': 4 },
      expected: {
        'm-a': { deliveries: [0, 2], 'retry.10s': [0, 2], 'retry.100s': [0, 2] },
        'm-b': { deliveries: [1, 3], 'retry.10s': [1, 3], 'retry.100s': [1, 3] },
      },
    },
    {
      name: 'should leave a member without partitions when there are more members than partitions',
      members: ['m-1', 'm-2', 'm-3'],
      topics: { deliveries: 2, 'retry.10s': 2 },
      expected: { 'm-1': { deliveries: [0], 'retry.10s': [0] }, 'm-2': { deliveries: [1], 'retry.10s': [1] }, 'm-3': {} },
    },
    {
      name: 'should give everything to a single member',
      members: ['only'],
      topics: { deliveries: 3, 'retry.1s': 3 },
      expected: { only: { deliveries: [0, 1, 2], 'retry.1s': [0, 1, 2] } },
    },
  ])('$name', ({ members, topics, expected }) => {
    expect(Object.fromEntries(coLocatedAssignment(members, partitionsOf(topics)))).toEqual(expected);
  });

  it('should give the same answer whatever order the members and partitions come in', () => {
    const partitions = partitionsOf({ a: 5, b: 5 });
    expect(coLocatedAssignment(['x', 'y'], partitions)).toEqual(coLocatedAssignment(['y', 'x'], [...partitions].reverse()));
  });
});
