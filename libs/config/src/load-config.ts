import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration: ${problems.join('; ')}. ` +
        'Set these environment variables (see README "Configuration"); `npm run infra -- up` prints KAFKA_BROKERS and DATABASE_URL.',
    );
    this.name = 'ConfigError';
  }
}

/**
 * The one place `process.env` is read: a schema class per app, validated at boot so a service
 * with a missing or malformed setting refuses to start and names it.
 */
export function loadConfig<T extends object>(schema: ClassConstructor<T>, env: NodeJS.ProcessEnv = process.env): T {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const config = plainToInstance(schema, present, { exposeDefaultValues: true, excludeExtraneousValues: false });
  const errors = validateSync(config, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => {
        const value = (present as Record<string, unknown>)[e.property];
        return value === undefined
          ? `${e.property} is required`
          : `${e.property} is invalid (${Object.values(e.constraints ?? {}).join(', ')})`;
      }),
    );
  }
  return config;
}
