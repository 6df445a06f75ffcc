import { Injectable, NotFoundException, PipeTransform } from '@nestjs/common';

/**
 * A path id that cannot name a resource of this kind is answered like a missing one (404) before it
 * reaches the database. For ids that are not `prefix_<ulid>`: delivery ids are hashes and event ids
 * are whatever the producer chose.
 */
@Injectable()
export class HistoryIdPipe implements PipeTransform<string, string> {
  constructor(
    private readonly pattern: RegExp,
    private readonly noun: string,
  ) {}

  transform(value: string): string {
    if (!this.pattern.test(value)) throw new NotFoundException([`${this.noun} ${value.slice(0, 100)} not found`]);
    return value;
  }
}

export const DELIVERY_ID = /^del_[0-9a-f]{32}$/;
// Producers' ids: the domain contract allows up to 255 characters; PostgreSQL refuses NUL in text.
export const EVENT_ID = /^[^\u0000]{1,255}$/;
