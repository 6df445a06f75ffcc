import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/*
 * The test stack's single Kafka node (scripts/infra) is the whole KRaft quorum. Its controller would append a
 * no-op record to the metadata log every 500 ms so that other nodes see it alive; alone, nobody reads them, and
 * each append woke three broker threads and wrote to disk all day long (decision 0035).
 */

const INFRA_DIR = process.env.INFRA_DIR ? path.resolve(process.env.INFRA_DIR) : path.resolve(__dirname, '..', '..', '.infra');
const METADATA_LOG_DIR = path.join(INFRA_DIR, 'kafka', 'data', '__cluster_metadata-0');

/** Bytes in the metadata log's segments. */
function metadataLogBytes(): number {
  return readdirSync(METADATA_LOG_DIR)
    .filter((f) => f.endsWith('.log'))
    .reduce((sum, f) => sum + statSync(path.join(METADATA_LOG_DIR, f)).size, 0);
}

describe('the local single-node broker', () => {
  it('should append nothing to its metadata log while nothing changes', async () => {
    // A window of 1.6 s holds at least three no-op records at the default interval. Another test file's topic
    // changes can still be landing when this one starts, so one quiet window out of five is the evidence.
    const grownPerWindow: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = metadataLogBytes();
      await new Promise((r) => setTimeout(r, 1_600));
      const grown = metadataLogBytes() - before;
      grownPerWindow.push(grown);
      if (grown === 0) break;
    }
    expect(grownPerWindow).toContain(0);
  }, 30_000);
});
