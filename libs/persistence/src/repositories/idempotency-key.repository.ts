import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { updatedRows } from './updated-rows';

/** What a key stands for once its request has been answered. */
export interface StoredAnswer {
  status: number;
  body: string | null;
  etag: string | null;
}

/** What a request finds under its key. */
export type Reservation =
  | { kind: 'reserved' }
  | { kind: 'mismatch' }
  | { kind: 'processing' }
  | { kind: 'completed'; answer: StoredAnswer };

interface Row {
  request_hash: string;
  state: 'processing' | 'completed';
  response_status: number | null;
  response_body: string | null;
  response_etag: string | null;
}

/**
 * Idempotency keys of the admin API. The reservation is an INSERT on the primary key (scope, key), so
 * the database, not an instance's memory, decides which of two concurrent requests runs. A key older
 * than `ttlMs`, or one whose request stopped answering (its instance died) past `locked_until`, is
 * taken over in the same statement.
 */
@Injectable()
export class IdempotencyKeyRepository {
  constructor(private readonly db: DataSource) {}

  async reserve(scope: string, key: string, requestHash: string, ttlMs: number, lockMs: number): Promise<Reservation> {
    // An INSERT answers with its rows (only UPDATE and DELETE come back as [rows, count]).
    const taken: Array<{ key: string }> = await this.db.query(
        `INSERT INTO idempotency_keys AS k (scope, key, request_hash, state, locked_until)
         VALUES ($1, $2, $3, 'processing', now() + $5 * interval '1 millisecond')
         ON CONFLICT (scope, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'processing', response_status = NULL, response_body = NULL,
               response_etag = NULL, created_at = now(), locked_until = EXCLUDED.locked_until
           WHERE k.created_at < now() - $4 * interval '1 millisecond'
              OR (k.state = 'processing' AND k.locked_until < now())
         RETURNING key`,
      [scope, key, requestHash, ttlMs, lockMs],
    );
    if (taken.length > 0) return { kind: 'reserved' };
    const rows: Row[] = await this.db.query(
      'SELECT request_hash, state, response_status, response_body, response_etag FROM idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const row = rows[0];
    // Released by its request between the two statements: try once more.
    if (!row) return this.reserve(scope, key, requestHash, ttlMs, lockMs);
    if (row.request_hash !== requestHash) return { kind: 'mismatch' };
    if (row.state === 'processing') return { kind: 'processing' };
    return { kind: 'completed', answer: { status: row.response_status ?? 200, body: row.response_body, etag: row.response_etag } };
  }

  async complete(scope: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'completed', response_status = $3, response_body = $4, response_etag = $5
       WHERE scope = $1 AND key = $2 AND state = 'processing'`,
      [scope, key, answer.status, answer.body, answer.etag],
    );
  }

  /** The request failed: nothing was done, so the key is free for a retry. */
  async release(scope: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'processing'`, [scope, key]);
  }

  /** Deletes up to `limit` keys older than `ttlMs`; returns how many. */
  async purgeExpired(ttlMs: number, limit: number): Promise<number> {
    const rows = updatedRows<{ key: string }>(
      await this.db.query(
        `DELETE FROM idempotency_keys WHERE ctid IN (
           SELECT ctid FROM idempotency_keys WHERE created_at < now() - $1 * interval '1 millisecond' LIMIT $2
         ) RETURNING key`,
        [ttlMs, limit],
      ),
    );
    return rows.length;
  }
}
