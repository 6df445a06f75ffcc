import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';
import type { PoolClient, QueryResultRow } from 'pg';

/**
 * Runs `text` as a named prepared statement: PostgreSQL parses and plans it once per connection instead of at every
 * call, which TypeORM's `query` (unnamed statements only) cannot do (decision 0036). For the statements run on every
 * fan-out round or delivery batch. `db` is the data source (a pooled connection for this call) or a transaction's
 * manager (its connection). A failed statement throws TypeORM's QueryFailedError, as `query` does.
 */
export async function preparedQuery<R extends QueryResultRow>(db: DataSource | EntityManager, name: string, text: string, values: unknown[]): Promise<R[]> {
  // A transaction's manager carries its runner; otherwise this call takes a pooled connection of its own.
  const transactionRunner = db instanceof EntityManager ? db.queryRunner : undefined;
  const runner: QueryRunner = transactionRunner ?? (db instanceof DataSource ? db : db.connection).createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    try {
      // pg prepares a name once per connection and reuses it after that.
      return (await client.query<R>({ name, text, values })).rows;
    } catch (err) {
      throw new QueryFailedError(text, values, err as Error);
    }
  } finally {
    if (runner !== transactionRunner) await runner.release();
  }
}
