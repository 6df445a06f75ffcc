// Brings up (or reuses) the local Kafka and PostgreSQL before the integration suites and hands
// their addresses to the test workers through the environment.
const { up } = require('../../scripts/infra');

module.exports = async () => {
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) return;
  const env = await up();
  process.env.KAFKA_BROKERS = env.KAFKA_BROKERS;
  process.env.DATABASE_URL = env.DATABASE_URL;
};
