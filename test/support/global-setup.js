// Brings up (or reuses) the local Kafka and PostgreSQL before the integration suites and hands
// their addresses to the test workers through the environment.
const { up } = require('../../scripts/infra');

module.exports = async () => {
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) return;
  const env = await up();
  // KAFKA_BROKERS, DATABASE_URL and, on the three-broker cluster, KAFKA_REPLICATION_FACTOR.
  Object.assign(process.env, env);
};
