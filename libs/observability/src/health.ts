import { Controller, Get, HttpException, HttpStatus, Inject, Injectable, Module, DynamicModule, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** Something whose failure makes the service not ready (database, Kafka consumer). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Every metric this project exports starts with it (deploy/observability's queries and alerts rely on that). */
export const METRIC_PREFIX = 'webhooks_';

/** How often the event-loop delay histogram takes a sample. */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** One registry per process; each service adds its own metrics to it. */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  constructor() {
    // Node's own metrics too carry the prefix (SPEC §13: every metric name starts with webhooks_).
    // The event-loop delay is sampled every 100 ms, not prom-client's 10: a 10 ms timer wakes an idle service
    // 100 times a second (decision 0032), and a stall longer than 100 ms still shows whole.
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }
}

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    private readonly metrics: MetricsRegistry,
  ) {}

  /** Liveness: the process answers. */
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: every dependency answers; 503 names the ones that do not. */
  @Get('health/ready')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, 'ok'> }> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          await c.check();
          return [c.name, 'ok'] as const;
        } catch (err) {
          return [c.name, (err as Error).message] as const;
        }
      }),
    );
    const failing = results.filter(([, r]) => r !== 'ok');
    if (failing.length > 0) {
      // `message` too, so an app-wide exception filter that keeps only the message still names the dependency.
      const message = failing.map(([name, reason]) => `${name}: ${reason}`);
      throw new HttpException({ status: 'unavailable', message, checks: Object.fromEntries(results) }, HttpStatus.SERVICE_UNAVAILABLE);
    }
    return { status: 'ok', checks: Object.fromEntries(results) as Record<string, 'ok'> };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

/**
 * Health, readiness and Prometheus metrics for a service. `checks` are provider tokens of
 * ReadinessCheck implementations from the importing module.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      providers: [MetricsRegistry],
      exports: [MetricsRegistry],
    };
  }
}

export const healthControllers = [HealthController];
