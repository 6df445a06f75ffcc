import { rotatedAssignment } from './rotated-assigner';

const partitionsOf = (topics: Record<string, number | undefined>) => Object.entries(topics).flatMap(([topic, n]) => Array.from({ length: n ?? 0 }, (_, partition) => ({ topic, partition })));

describe('rotatedAssignment', () => {
  it.each([
    {
      name: 'should start each topic one member further on, so partition p of two topics goes to two members',
      members: ['m-b', 'm-a'],
      topics: { 'order.new': 4, 'customer.created': 4 },
      expected: {
        'm-a': { 'customer.created': [0, 2], 'order.new': [1, 3] },
        'm-b': { 'customer.created': [1, 3], 'order.new': [0, 2] },
      },
    },
    {
      name: 'should wrap the rotation around the members',
      members: ['m-1', 'm-2', 'm-3'],
      topics: { a: 3, b: 3, c: 3, d: 3 },
      expected: {
        'm-1': { a: [0], b: [2], c: [1], d: [0] },
        'm-2': { a: [1], b: [0], c: [2], d: [1] },
        'm-3': { a: [2], b: [1], c: [0], d: [2] },
      },
    },
    {
      name: 'should alternate single-partition topics between members, as round-robin does',
      members: ['x', 'y'],
      topics: { a: 1, b: 1, c: 1 },
      expected: { x: { a: [0], c: [0] }, y: { b: [0] } },
    },
    {
      name: 'should leave a member without partitions when there are more members than partitions',
      members: ['m-1', 'm-2', 'm-3'],
      topics: { a: 1 },
      expected: { 'm-1': { a: [0] }, 'm-2': {}, 'm-3': {} },
    },
    {
      name: 'should give everything to a single member',
      members: ['only'],
      topics: { a: 2, b: 3 },
      expected: { only: { a: [0, 1], b: [0, 1, 2] } },
    },
    { name: 'should assign nothing without members', members: [], topics: { a: 2 }, expected: {} },
  ])('$name', ({ members, topics, expected }) => {
    expect(Object.fromEntries(rotatedAssignment(members, partitionsOf(topics)))).toEqual(expected);
  });

  // The fan-out's case: seven event types, twelve partitions each, one organization's events on partition p of
  // every type. Round-robin (a counter running across topics) gave all seven to one instance of two.
  it.each([2, 3, 4])('should spread one partition number of seven 12-partition topics over all of %i members', (n) => {
    const members = Array.from({ length: n }, (_, i) => `m-${i}`);
    const topics = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`type-${i}`, 12]));
    const assignment = rotatedAssignment(members, partitionsOf(topics));
    for (let p = 0; p < 12; p++) {
      const holders = [...assignment].filter(([, byTopic]) => Object.values(byTopic).some((list) => list.includes(p))).map(([m]) => m);
      expect(holders.sort()).toEqual(members);
    }
    const counts = [...assignment.values()].map((byTopic) => Object.values(byTopic).reduce((sum, list) => sum + list.length, 0));
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(n - 1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(84);
  });

  it('should give the same answer whatever order the members and partitions come in', () => {
    const partitions = partitionsOf({ a: 5, b: 5, c: 2 });
    expect(rotatedAssignment(['x', 'y', 'z'], partitions)).toEqual(rotatedAssignment(['z', 'x', 'y'], [...partitions].reverse()));
  });
});
