import { Injectable } from '@nestjs/common';
import { EndpointEntity } from '../entities';
import { EndpointRepository } from '../repositories/endpoint.repository';

interface Entry {
  endpoints: Promise<EndpointEntity[]>;
  loadedAt: number;
}

/**
 * The enabled endpoints of each organization, in memory, so routing and delivery do not cost a
 * database round trip per message. The change feed calls `invalidate`; the TTL is a safety net
 * for a change notice that never arrived.
 *
 * Stale-if-error: when a reload fails (the database is away), the last list that loaded is served
 * instead, so an outage longer than the TTL does not stop deliveries to known endpoints. Only an
 * organization never loaded (or loaded by no one since start) then fails.
 */
@Injectable()
export class EndpointDirectory {
  private readonly entries = new Map<string, Entry>();
  /** The last list that loaded per organization, for stale-if-error. */
  private readonly lastGood = new Map<string, EndpointEntity[]>();
  private ttlMs = 60_000;

  constructor(private readonly endpoints: EndpointRepository) {}

  setTtl(ms: number): void {
    this.ttlMs = ms;
  }

  async enabledFor(organizationId: string): Promise<EndpointEntity[]> {
    const cached = this.entries.get(organizationId);
    if (cached && Date.now() - cached.loadedAt < this.ttlMs) return cached.endpoints;
    // Storing the promise makes concurrent callers share one query.
    const entry: Entry = { endpoints: this.load(organizationId), loadedAt: Date.now() };
    this.entries.set(organizationId, entry);
    entry.endpoints.catch(() => {
      if (this.entries.get(organizationId) === entry) this.entries.delete(organizationId);
    });
    return entry.endpoints;
  }

  private async load(organizationId: string): Promise<EndpointEntity[]> {
    try {
      const endpoints = await this.endpoints.findEnabled(organizationId);
      this.lastGood.set(organizationId, endpoints);
      return endpoints;
    } catch (err) {
      const stale = this.lastGood.get(organizationId);
      if (stale) return stale;
      throw err;
    }
  }

  /** An enabled endpoint by id, or null when it is deleted, disabled or of another organization. */
  async enabledEndpoint(organizationId: string, endpointId: string): Promise<EndpointEntity | null> {
    return (await this.enabledFor(organizationId)).find((e) => e.id === endpointId) ?? null;
  }

  /** A load started before this call is replaced, so a change is never hidden by an older read. */
  invalidate(organizationId: string): void {
    this.entries.delete(organizationId);
  }

  invalidateAll(): void {
    this.entries.clear();
  }
}
