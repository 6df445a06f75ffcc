import { checkFilter, compileFilter, EventFilter } from './event-filter';
import { CompiledFilters } from './compiled-filters';

const event = {
  id: 'evt_1',
  type: 'order.new',
  organizationId: 'org_1',
  mode: 'live',
  occurredAt: '2026-12-02T05:00:00.000Z',
  data: { total: 150, currency: 'EUR', status: 'paid', tags: ['vip', 'eu'], items: [{ sku: 'A', qty: 2 }, { sku: 'B', qty: 1 }], address: { country: 'FR' } },
};

describe('checkFilter', () => {
  const valid: Array<[string, unknown]> = [
    ['the SPEC example', { 'data.total': { $gte: 100 }, 'data.currency': { $in: ['EUR', 'USD'] } }],
    ['plain equality', { type: 'order.new' }],
    ['$eq with an object', { 'data.address': { $eq: { country: 'FR' } } }],
    ['every comparison', { 'data.total': { $gt: 1, $gte: 1, $lt: 1000, $lte: 1000, $ne: 3 } }],
    ['$nin and $exists', { 'data.currency': { $nin: ['JPY'] }, 'data.coupon': { $exists: false } }],
    ['$and $or $nor', { $and: [{ $or: [{ 'data.total': 1 }, { 'data.status': 'paid' }] }, { $nor: [{ mode: 'test' }] }] }],
    ['$not', { 'data.total': { $not: { $lt: 100 } } }],
    ['$all $size $elemMatch', { 'data.tags': { $all: ['vip'], $size: 2 }, 'data.items': { $elemMatch: { sku: 'A', qty: { $gte: 2 } } } }],
    ['$elemMatch on scalars', { 'data.tags': { $elemMatch: { $eq: 'vip' } } }],
    ['null and booleans', { 'data.deleted': null, 'data.flag': { $ne: true } }],
    ['an empty query (matches all)', {}],
  ];
  it.each(valid)('should accept %s', (_name, filter) => {
    expect(checkFilter(filter)).toEqual({ ok: true });
  });

  const invalid: Array<[string, unknown, string]> = [
    ['a string', 'data.total > 100', 'filter: must be a query object, not string'],
    ['an array', [{ a: 1 }], 'filter: must be a query object, not an array'],
    ['null', null, 'filter: must be a query object, not null'],
    ['an unknown operator', { 'data.total': { $foo: 1 } }, 'filter.data.total.$foo: unknown operator $foo'],
    ['$where (code)', { $where: 'this.data.total > 1' }, 'filter.$where: unknown operator $where'],
    ['$regex (left out)', { 'data.status': { $regex: '^(a+)+$' } }, 'filter.data.status.$regex: unknown operator $regex'],
    ['$in with a number', { 'data.currency': { $in: 5 } }, 'filter.data.currency.$in: $in needs an array, not number 5'],
    ['$nin with a string', { 'data.currency': { $nin: 'EUR' } }, 'filter.data.currency.$nin: $nin needs an array'],
    ['$exists with a string', { 'data.coupon': { $exists: 'yes' } }, 'filter.data.coupon.$exists: $exists needs true or false'],
    ['$gte with an object', { 'data.total': { $gte: { a: 1 } } }, 'filter.data.total.$gte: $gte needs a number or a string, not an object'],
    ['$lt with null', { 'data.total': { $lt: null } }, 'filter.data.total.$lt: $lt needs a number or a string, not null'],
    ['$and with an object', { $and: { a: 1 } }, 'filter.$and: $and needs a non-empty array of queries'],
    ['$or empty', { $or: [] }, 'filter.$or: $or needs a non-empty array of queries'],
    ['$or with a scalar', { $or: [5] }, 'filter.$or[0]: must be a query object, not number 5'],
    ['a field operator at the top', { $gte: 5 }, 'filter.$gte: $gte applies to a field'],
    ['$and under a field', { 'data.total': { $and: [{ $gt: 1 }] } }, 'filter.data.total.$and: $and belongs at the top'],
    ['$not with a value', { 'data.total': { $not: 5 } }, 'filter.data.total.$not: $not needs an operator condition'],
    ['$size negative', { 'data.tags': { $size: -1 } }, 'filter.data.tags.$size: $size needs a non-negative integer'],
    ['operators mixed with fields', { 'data.total': { $gte: 1, x: 2 } }, 'filter.data.total.x: operators and field values cannot be mixed'],
    ['an operator inside a value', { 'data.address': { country: { $eq: 'FR' } } }, 'filter.data.address.country.$eq: an operator cannot appear inside a value'],
    ['an empty path part', { 'data..total': 1 }, 'filter.data..total: a field path has an empty part'],
    ['__proto__', { 'data.__proto__.x': 1 }, 'filter.data.__proto__.x: __proto__ is not a field'],
    ['a long list', { 'data.currency': { $in: Array.from({ length: 101 }, (_, i) => `C${i}`) } }, 'filter.data.currency.$in: lists are limited to 100 items'],
    ['too many conditions', Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`data.f${i}`, 1])), 'the filter has more than 200 conditions'],
    ['too deep', Array.from({ length: 9 }).reduce<object>((q) => ({ $and: [q] }), { a: 1 }), 'nested deeper than 8 levels'],
  ];
  it.each(invalid)('should refuse %s, naming where', (_name, filter, problem) => {
    const result = checkFilter(filter);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toContain(problem);
  });
});

describe('compileFilter', () => {
  const cases: Array<[string, EventFilter, boolean]> = [
    ['the SPEC example, matching', { 'data.total': { $gte: 100 }, 'data.currency': { $in: ['EUR', 'USD'] } }, true],
    ['the SPEC example, total too small', { 'data.total': { $gte: 200 }, 'data.currency': { $in: ['EUR', 'USD'] } }, false],
    ['$eq on the type', { type: { $eq: 'order.new' } }, true],
    ['$ne', { 'data.status': { $ne: 'paid' } }, false],
    ['$gt / $lt', { 'data.total': { $gt: 100, $lt: 151 } }, true],
    ['$lte', { 'data.total': { $lte: 149 } }, false],
    ['$nin', { 'data.currency': { $nin: ['EUR'] } }, false],
    ['$exists true', { 'data.address.country': { $exists: true } }, true],
    ['$exists false on a missing field', { 'data.coupon': { $exists: false } }, true],
    ['$or', { $or: [{ 'data.total': 1 }, { 'data.status': 'paid' }] }, true],
    ['$and', { $and: [{ 'data.total': 150 }, { 'data.status': 'draft' }] }, false],
    ['$not', { 'data.total': { $not: { $lt: 100 } } }, true],
    ['$nor', { $nor: [{ mode: 'live' }] }, false],
    ['an array field contains a value', { 'data.tags': 'vip' }, true],
    ['$elemMatch', { 'data.items': { $elemMatch: { sku: 'B', qty: { $gte: 2 } } } }, false],
    ['$size', { 'data.items': { $size: 2 } }, true],
    ['a missing field compared', { 'data.missing': { $gt: 1 } }, false],
  ];
  it.each(cases)('should evaluate %s', (_name, filter, expected) => {
    expect(checkFilter(filter)).toEqual({ ok: true });
    expect(compileFilter(filter)(event)).toBe(expected);
  });
});

describe('CompiledFilters', () => {
  it('should compile once per endpoint version and again after a change', () => {
    const filters = new CompiledFilters();
    const v1 = { id: 'ep_1', version: 1, filter: { 'data.total': { $gte: 100 } } };
    expect(filters.testFor(v1)(event)).toBe(true);
    expect(filters.testFor({ ...v1, filter: { ...v1.filter } })(event)).toBe(true);
    expect(filters.compiles).toBe(1);
    expect(filters.testFor({ id: 'ep_1', version: 2, filter: { 'data.total': { $gte: 200 } } })(event)).toBe(false);
    expect(filters.compiles).toBe(2);
    expect(filters.testFor({ id: 'ep_1', version: 3, filter: null })(event)).toBe(true);
    expect(filters.size).toBe(0);
    filters.testFor(v1);
    filters.forget('ep_1');
    expect(filters.size).toBe(0);
  });
});
