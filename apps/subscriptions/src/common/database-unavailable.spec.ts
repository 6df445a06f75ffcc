import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const wrapped = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isDatabaseUnavailable', () => {
  it.each<[string, unknown]>([
    ['a refused connect (PostgreSQL stopped)', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a connect that timed out in the pool', new Error('timeout exceeded when trying to connect')],
    ['a connection that broke under a query', wrapped(new Error('Connection terminated unexpectedly'))],
    ['a client left broken by an earlier error', wrapped(new Error('Client has encountered a connection error and is not queryable'))],
    ['a server shutting down (57P01)', wrapped(withCode('terminating connection due to administrator command', '57P01'))],
    ['a server starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a connection exception (class 08)', withCode('connection failure', '08006')],
    ['both loopback addresses refusing', new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'), withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')])],
    ['a cause chain', new Error('could not load the endpoint', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') })],
  ])('should treat %s as unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a unique violation', wrapped(withCode('duplicate key value violates unique constraint', '23505'))],
    ['a syntax error in our SQL', wrapped(withCode('syntax error at or near "SELEC"', '42601'))],
    ['a statement timeout', wrapped(withCode('canceling statement due to statement timeout', '57014'))],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error at all', 'connect ECONNREFUSED'],
    ['nothing', undefined],
  ])('should not treat %s as unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('should stop at a cause that refers back to itself', () => {
    const looped = new Error('loop') as Error & { cause?: unknown };
    looped.cause = looped;
    expect(isDatabaseUnavailable(looped)).toBe(false);
  });
});
