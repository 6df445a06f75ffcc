import { MigrationInterface, QueryRunner } from 'typeorm';
import { SEED_EVENT_TYPES } from '@app/contracts';

export class InitialSchema1764300000000 implements MigrationInterface {
  name = 'InitialSchema1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_organization_idx ON api_keys (organization_id, id)`);
    await q.query(`
      CREATE TABLE event_types (
        name text PRIMARY KEY,
        description text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE endpoints (
        id text PRIMARY KEY,
        organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        mode text NOT NULL CHECK (mode IN ('live', 'test')),
        url text NOT NULL,
        event_types text[] NOT NULL,
        status text NOT NULL CHECK (status IN ('enabled', 'disabled')),
        description text NOT NULL DEFAULT '',
        headers jsonb NOT NULL DEFAULT '{}',
        metadata jsonb NOT NULL DEFAULT '{}',
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE INDEX endpoints_organization_idx ON endpoints (organization_id, id)`);
    await q.query(`
      CREATE TABLE events (
        organization_id text NOT NULL,
        id text NOT NULL,
        type text NOT NULL,
        mode text NOT NULL,
        data jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        source_topic text NOT NULL,
        source_partition integer NOT NULL,
        source_offset bigint NOT NULL,
        PRIMARY KEY (organization_id, id)
      )`);
    await q.query(`CREATE INDEX events_listing_idx ON events (organization_id, received_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE deliveries (
        id text PRIMARY KEY,
        organization_id text NOT NULL,
        event_id text NOT NULL,
        endpoint_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'discarded')),
        attempt_count integer NOT NULL DEFAULT 0,
        last_attempt_at timestamptz,
        next_attempt_at timestamptz,
        status_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (organization_id, event_id, endpoint_id)
      )`);
    await q.query(`CREATE INDEX deliveries_endpoint_idx ON deliveries (organization_id, endpoint_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id text NOT NULL,
        organization_id text NOT NULL,
        attempt_number integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        outcome text NOT NULL,
        status_code integer,
        error text,
        response_excerpt text
      )`);
    await q.query(`CREATE INDEX attempts_delivery_idx ON attempts (delivery_id, started_at)`);
    for (const t of SEED_EVENT_TYPES) {
      await q.query(`INSERT INTO event_types (name, description) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [t.name, t.description]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['attempts', 'deliveries', 'events', 'endpoints', 'event_types', 'api_keys', 'organizations']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
