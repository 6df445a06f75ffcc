import { compileFilter, EventFilter, FilterTest } from './event-filter';

interface Entry {
  version: number;
  test: FilterTest;
}

/** What the fan-out knows of an endpoint to filter its events. */
export interface FilteredEndpoint {
  id: string;
  version: number;
  filter: object | null;
}

const MATCH_ALL: FilterTest = () => true;

/**
 * Compiled filters, one per endpoint, recompiled only when the endpoint's version changes (every
 * change of an endpoint bumps it), however often its organization's endpoint list is reloaded.
 */
export class CompiledFilters {
  private readonly entries = new Map<string, Entry>();
  compiles = 0;

  testFor(endpoint: FilteredEndpoint): FilterTest {
    if (!endpoint.filter) {
      this.entries.delete(endpoint.id);
      return MATCH_ALL;
    }
    const cached = this.entries.get(endpoint.id);
    if (cached && cached.version === endpoint.version) return cached.test;
    const entry = { version: endpoint.version, test: compileFilter(endpoint.filter as EventFilter) };
    this.compiles++;
    this.entries.set(endpoint.id, entry);
    return entry.test;
  }

  /** A deleted endpoint's entry goes with it. */
  forget(endpointId: string): void {
    this.entries.delete(endpointId);
  }

  get size(): number {
    return this.entries.size;
  }
}
