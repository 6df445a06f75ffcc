import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { QueryFailedError } from 'typeorm';
import { isKafkaUnavailable } from '@app/messaging';
import { defaultCode, ErrorBody, ErrorCode, leadingField } from './api-error';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-unavailable';
import { fieldName } from './field-name';

/** How long clients are asked to wait while Kafka is away (the admin API's producer retries meanwhile). */
export const KAFKA_RETRY_AFTER_SECONDS = 5;

const UNIQUE_VIOLATION = '23505';

/** Lists every problem as "field: what is wrong", nested fields with dots, with the field's path. */
function flatten(errors: ValidationError[], parent: string[] = []): Array<{ param: string; message: string }> {
  return errors.flatMap((e) => {
    const name = fieldName(e.property);
    const path = [...parent, name].join('.');
    const own = Object.values(e.constraints ?? {}).map((m) => ({
      param: [...parent, e.property].join('.'),
      message: name === e.property && m.startsWith(`${e.property} `) ? `${parent.length > 0 ? parent.join('.') + '.' : ''}${m}` : `${path}: ${m}`,
    }));
    return [...own, ...flatten(e.children ?? [], [...parent, name])];
  });
}

/** Unknown fields are refused, not ignored: a typo must not silently change nothing. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => {
      const problems = flatten(errors);
      // `param` names the first field at fault; the message lists them all.
      return new HttpException({ message: problems.map((p) => p.message), code: 'invalid_field', param: problems[0]?.param }, HttpStatus.BAD_REQUEST);
    },
  });
}

interface Answer {
  status: number;
  message: string[];
  code: ErrorCode;
  param?: string;
  retryAfterSeconds?: number;
}

/**
 * Shapes every error as {statusCode, error, message[], code, param?} without stack traces. Client
 * mistakes caught below Nest (a body too large) become 4xx; a dependency that is away (PostgreSQL,
 * Kafka) is a 503 naming it, with Retry-After; anything unexpected is a 500 that is logged here with
 * its stack and shown to the client without details.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const answer = this.describe(exception);
    if (answer.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(answer.retryAfterSeconds));
    if (answer.code === 'database_unavailable' || answer.code === 'kafka_unavailable') {
      this.logger.warn({ err: exception, code: answer.code }, `${answer.code === 'kafka_unavailable' ? 'Kafka' : 'the database'} unavailable while serving a request`);
    } else if (answer.status >= 500) this.logger.error({ err: exception }, 'unhandled error while serving a request');
    res.status(answer.status).json(errorBody(answer.status, answer.code, answer.message, answer.param));
  }

  private describe(exception: unknown): Answer {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const fields = typeof body === 'string' ? {} : (body as { message?: unknown; code?: unknown; param?: unknown });
      const raw = typeof body === 'string' ? body : (fields.message ?? exception.message);
      const message = Array.isArray(raw) ? raw.map(String) : [typeof raw === 'string' ? raw : JSON.stringify(raw)];
      const code = typeof fields.code === 'string' ? (fields.code as ErrorCode) : defaultCode(status);
      const param = typeof fields.param === 'string' ? fields.param : status === 400 ? leadingField(message[0] ?? '') : undefined;
      return { status, message, code, param };
    }
    const err = exception as { type?: string; status?: number; message?: string };
    if (err?.type === 'entity.too.large') return { status: 413, message: ['body is too large'], code: 'body_too_large', param: 'body' };
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) return { status: err.status, message: [err.message ?? 'bad request'], code: defaultCode(err.status) };
    // Before the database check: a broker's connection errors carry the same socket codes.
    if (isKafkaUnavailable(exception)) {
      return {
        status: 503,
        message: [`Kafka (the message broker) is unavailable: the call was not carried out; retry in ${KAFKA_RETRY_AFTER_SECONDS} s`],
        code: 'kafka_unavailable',
        retryAfterSeconds: KAFKA_RETRY_AFTER_SECONDS,
      };
    }
    // A race the services did not foresee (two writers, one unique key) is a conflict, not a crash.
    if (exception instanceof QueryFailedError && (exception.driverError as { code?: string } | undefined)?.code === UNIQUE_VIOLATION) {
      return { status: 409, message: ['the change conflicts with an existing resource; read it again and retry'], code: 'conflict' };
    }
    if (isDatabaseUnavailable(exception)) {
      return {
        status: 503,
        message: [`the database is unavailable (PostgreSQL cannot be reached); retry in ${DATABASE_RETRY_AFTER_SECONDS} s`],
        code: 'database_unavailable',
        retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
      };
    }
    return { status: 500, message: ['internal error'], code: 'internal_error' };
  }
}

/** The error body of every answer >= 400, in one shape (also for answers written outside Nest). */
export function errorBody(status: number, code: ErrorCode, message: string[], param?: string): ErrorBody {
  return { statusCode: status, error: HttpStatus[status] ?? 'Error', message, code, ...(param !== undefined ? { param } : {}) };
}
