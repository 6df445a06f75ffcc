/**
 * The V8 flags every service runs with: npm start and the tests' and benchmarks' service processes take them from
 * here; the Dockerfile and docker-compose.yml repeat them (test/startup/docker-compose.int-spec.ts checks they agree).
 *
 * They trade a little GC work for memory (decision 0019): a young generation of at most 4 MB per semi-space, and an
 * old generation that may grow to twice what was live after its last full collection (V8 otherwise lets it grow by
 * up to 4x, and the delivery service drained a 200,000-message backlog at ~300 MB RSS with ~50 MB live).
 */
const SERVICE_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=100'];

module.exports = { SERVICE_NODE_FLAGS };
