/** TypeORM answers an UPDATE or DELETE ... RETURNING on PostgreSQL with [rows, affected], not with the rows. */
export function updatedRows<R>(result: [R[], number]): R[] {
  return result[0];
}
