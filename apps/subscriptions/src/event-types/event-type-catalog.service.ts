import { BadRequestException, Injectable } from '@nestjs/common';
import { EVENT_TYPE_NAME_PATTERN, isOperationalEventType } from '@app/contracts';
import { checkExample, compileEventSchema } from '@app/event-rules';
import { EndpointChangePublisher } from '@app/messaging';
import { EventTypeEntity, EventTypeRepository } from '@app/persistence';
import { EventTypeResponseDto, PutEventTypeDto } from './event-type.dto';

const MAX_TYPE_LENGTH = 249;

/** The platform operator's side of the event-type catalog (SPEC §10). */
@Injectable()
export class EventTypeCatalogService {
  constructor(
    private readonly eventTypes: EventTypeRepository,
    private readonly changes: EndpointChangePublisher,
  ) {}

  async list(): Promise<EventTypeResponseDto[]> {
    return (await this.eventTypes.list()).map(toEventTypeResponse);
  }

  /**
   * Creates or replaces a type. The schema is compiled and the example checked against it here, so
   * what the fan-out loads always compiles. Fan-outs are told through the change feed after the write.
   */
  async put(type: string, dto: PutEventTypeDto): Promise<{ entry: EventTypeResponseDto; created: boolean }> {
    if (type.length > MAX_TYPE_LENGTH || !EVENT_TYPE_NAME_PATTERN.test(type)) {
      throw new BadRequestException([`type must be an event type name such as order.new (lowercase, dotted, at most ${MAX_TYPE_LENGTH} characters; it is also the Kafka topic)`]);
    }
    if (isOperationalEventType(type)) throw new BadRequestException([`type ${type} is reserved: the platform publishes the webhook.* events itself`]);
    let test = null;
    if (dto.schema !== undefined) {
      const compiled = compileEventSchema(dto.schema);
      if (!compiled.ok) throw new BadRequestException([compiled.problem]);
      test = compiled.value;
    }
    if (dto.example !== undefined) {
      const checked = checkExample(test, dto.example);
      if (!checked.ok) throw new BadRequestException([checked.problem]);
    }
    const { entity, created } = await this.eventTypes.put(type, { description: dto.description ?? '', schema: dto.schema ?? null, example: dto.example ?? null });
    await this.changes.publishEventTypeChange({ eventType: type, change: 'updated' });
    return { entry: toEventTypeResponse(entity), created };
  }

  /** The catalog's example of a type, or null when it has none (or the type is unknown). */
  async example(type: string): Promise<Record<string, unknown> | null> {
    return (await this.eventTypes.findByName(type))?.example ?? null;
  }
}

export function toEventTypeResponse(t: EventTypeEntity): EventTypeResponseDto {
  return { name: t.name, description: t.description, schema: t.schema, example: t.example, version: t.version, updatedAt: t.updatedAt.toISOString() };
}
