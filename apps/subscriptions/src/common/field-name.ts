/** A field as error messages name it: plain, or quoted when the name would read ambiguously in a dotted path ("", "a.b", " "). */
export function fieldName(property: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(property) ? property : JSON.stringify(property);
}
