// Validators the schemas share: a setting checked at start by the parser that reads it later, DNS server
// lists, regular expressions, booleans written as text.
import { ValidateBy } from 'class-validator';
import { Resolver } from 'node:dns';

export const toBoolean = ({ value }: { value: unknown }) => value === true || value === 'true' || value === '1';

/**
 * A setting kept as the string the operator wrote but checked at start by the very parser that reads it
 * later, so a bad value exits naming the variable instead of failing inside a service.
 */
export function ParsesWith(parse: (raw: string) => unknown): PropertyDecorator {
  let problem = '';
  return ValidateBy({
    name: 'parsesWith',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        try {
          parse(value);
          return true;
        } catch (err) {
          problem = (err as Error).message;
          return false;
        }
      },
      defaultMessage: () => problem,
    },
  });
}

/** A string setting that `check` accepts without throwing; `message` names the setting ($property) when not. */
function ThrowsNot(name: string, check: (value: string) => void, message: string): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        try {
          check(value);
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: () => message,
    },
  });
}

/** A comma-separated list Node's resolver accepts as DNS servers (`ip`, `ip:port`, `[ipv6]:port`); empty allowed. */
export function IsDnsServerList(): PropertyDecorator {
  return ThrowsNot(
    'isDnsServerList',
    (value) => new Resolver().setServers(value.split(',').map((s) => s.trim()).filter(Boolean)),
    '$property must be a comma-separated list of DNS server addresses such as 10.0.0.2 or 127.0.0.1:5353',
  );
}

/** A setting that must compile as a JavaScript regular expression (empty allowed: "none"). */
export function IsRegExpSource(): PropertyDecorator {
  return ThrowsNot('isRegExpSource', (value) => new RegExp(value), '$property must be a valid regular expression');
}
