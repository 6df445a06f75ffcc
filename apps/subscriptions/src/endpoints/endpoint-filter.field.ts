import { ValidateBy } from 'class-validator';
import { checkFilter, FILTER_OPERATORS } from '@app/event-rules';
import { Field, Presence } from '../common/validators';

export const FILTER_DESCRIPTION =
  'A MongoDB-style query over the event body (id, type, mode, occurredAt, data); an event that does not match creates no delivery for this endpoint. ' +
  `Operators: ${FILTER_OPERATORS.join(' ')}. Null or {} (on update) removes it.`;

export const FILTER_EXAMPLE = { 'data.total': { $gte: 100 }, 'data.currency': { $in: ['EUR', 'USD'] } };

/** The message names `filter` and the bad part: `filter is invalid: filter.data.total.$foo: unknown operator $foo (...)`. */
function IsEventFilter(name: string): PropertyDecorator {
  return ValidateBy({
    name: 'isEventFilter',
    validator: {
      validate: (value: unknown) => value === null || checkFilter(value, name).ok,
      defaultMessage: (args) => {
        const result = checkFilter(args?.value, name);
        return `${name} is invalid: ${result.ok ? 'unreadable' : result.problem}`;
      },
    },
  });
}

/** `filter` on create and update; null is allowed (no filter). */
export const FilterField = (p: Presence) =>
  Field(p, { type: 'object', additionalProperties: true, nullable: true, example: FILTER_EXAMPLE, description: FILTER_DESCRIPTION }, IsEventFilter('filter'));
