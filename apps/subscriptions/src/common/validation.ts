import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { QueryFailedError } from 'typeorm';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-unavailable';
import { fieldName } from './field-name';

const UNIQUE_VIOLATION = '23505';

/** Lists every problem as "field: what is wrong", nested fields with dots. */
function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const name = fieldName(e.property);
    const path = parent ? `${parent}.${name}` : name;
    const own = Object.values(e.constraints ?? {}).map((m) => (name === e.property && m.startsWith(`${e.property} `) ? `${parent ? parent + '.' : ''}${m}` : `${path}: ${m}`));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/** Unknown fields are refused, not ignored: a typo must not silently change nothing. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
  });
}

/**
 * Shapes every error as {statusCode, error, message[]} without stack traces. Client mistakes
 * caught below Nest (a body too large) become 4xx; anything unexpected is a 500 that is
 * logged here with its stack and shown to the client without details.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, message, retryAfterSeconds } = this.describe(exception);
    if (retryAfterSeconds !== undefined) {
      res.setHeader('Retry-After', String(retryAfterSeconds));
      this.logger.warn({ err: exception }, 'database unavailable while serving a request');
    } else if (status >= 500) this.logger.error({ err: exception }, 'unhandled error while serving a request');
    res.status(status).json({ statusCode: status, error: HttpStatus[status] ?? 'Error', message });
  }

  private describe(exception: unknown): { status: number; message: string[]; retryAfterSeconds?: number } {
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const raw = typeof body === 'string' ? body : (body as { message?: unknown }).message ?? exception.message;
      return { status: exception.getStatus(), message: Array.isArray(raw) ? raw.map(String) : [typeof raw === 'string' ? raw : JSON.stringify(raw)] };
    }
    const err = exception as { type?: string; status?: number; message?: string };
    if (err?.type === 'entity.too.large') return { status: 413, message: ['body is too large'] };
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) return { status: err.status, message: [err.message ?? 'bad request'] };
    // A race the services did not foresee (two writers, one unique key) is a conflict, not a crash.
    if (exception instanceof QueryFailedError && (exception.driverError as { code?: string } | undefined)?.code === UNIQUE_VIOLATION) {
      return { status: 409, message: ['the change conflicts with an existing resource; read it again and retry'] };
    }
    if (isDatabaseUnavailable(exception)) {
      return { status: 503, message: [`the database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} s`], retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS };
    }
    return { status: 500, message: ['internal error'] };
  }
}
