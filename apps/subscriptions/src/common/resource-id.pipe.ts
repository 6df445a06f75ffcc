import { Injectable, NotFoundException, PipeTransform } from '@nestjs/common';
import { IdPrefix } from '@app/contracts';

/**
 * A path id that cannot name a resource of this kind is answered like a missing one (404), before it
 * reaches the database (a NUL byte, say, would make PostgreSQL fail the query).
 */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  private readonly pattern: RegExp;

  constructor(
    prefix: IdPrefix,
    private readonly noun: string,
  ) {
    this.pattern = new RegExp(`^${prefix}_[0-9a-z]{26}$`);
  }

  transform(value: string): string {
    if (!this.pattern.test(value)) throw new NotFoundException([`${this.noun} ${value.slice(0, 100)} not found`]);
    return value;
  }
}
