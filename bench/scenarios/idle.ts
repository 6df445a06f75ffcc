/*
 * `idle`: what the stack costs with no traffic at all (issue #21): the whole machine's cores (services,
 * Kafka, PostgreSQL, and this process, which only sleeps) and each service's own, over a quiet window
 * after the services have started, joined their groups and settled.
 */
import { Pipeline } from '../support/pipeline';
import { busyPercent, machineCpu, ProcessCpu } from '../support/cpu-usage';
import { Result, log, round } from '../support/result';
import { cpus } from 'node:os';

const SETTLE_SECONDS = 15;

export async function idle(instances = 1, seconds = 30): Promise<Result> {
  const pipeline = await new Pipeline({ deliveryInstances: instances }).start();
  try {
    const org = await pipeline.organization();
    await pipeline.endpoint(org.apiKey, 'http://127.0.0.1:9/idle', ['*']);
    log(`  settling ${SETTLE_SECONDS} s, then measuring ${seconds} s with no traffic`);
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
    const services = pipeline.services.map((s) => ({ name: `${s.name}:${s.port}`, pid: s.pid ?? 0 }));
    const machineBefore = machineCpu();
    const processCpu = ProcessCpu.start(services);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const machineCores = (busyPercent(machineBefore, machineCpu()) / 100) * cpus().length;
    const { kafka, kafkaJit, postgres, ...perService } = processCpu.read();
    const servicesCores = Object.values(perService).reduce((a, b) => a + b, 0);
    return {
      scenario: `idle-${instances}`,
      summary: `no traffic for ${seconds} s after ${SETTLE_SECONDS} s of settling, ${instances} delivery instance(s): cores used by the whole machine (Kafka, PostgreSQL, services), by the broker, by PostgreSQL and by each service`,
      ledger: { published: 0, received: 0, missing: 0, unknown: 0, duplicates: 0, balanced: true },
      metrics: { machineCores: round(machineCores, 3), servicesCores: round(servicesCores, 3), otherCores: round(machineCores - servicesCores, 3), kafkaCores: kafka, kafkaJitCores: kafkaJit ?? 0, postgresCores: postgres, serviceCores: perService },
    };
  } finally {
    await pipeline.stop();
  }
}
