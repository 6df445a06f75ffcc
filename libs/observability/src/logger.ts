import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { currentRequestId } from './request-context';

/**
 * An error as pino's standard serializer writes it, less the bound values of a failed SQL statement
 * (TypeORM's QueryFailedError carries them as `parameters`: an endpoint's secrets, for one).
 */
function serializeError(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error) as unknown;
  if (serialized && typeof serialized === 'object' && 'parameters' in serialized) {
    const { parameters: _dropped, ...rest } = serialized as Record<string, unknown>;
    return rest;
  }
  return serialized;
}

/** Structured JSON logs on stdout (or `destination`), one line per record, with the service name on every line. */
export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeError },
    // The admin request (or the message it caused) a line belongs to, without passing it to every call.
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
    // Secrets and keys must never reach a log line, whatever object a caller passes.
    redact: { paths: ['secret', '*.secret', 'secrets', '*.secrets', 'apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Routes Nest's own logging (bootstrap, routes, exceptions) into the same JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
