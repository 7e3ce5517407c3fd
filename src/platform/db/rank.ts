import { type RawBuilder, sql } from 'kysely';

/**
 * `column`'s position in `values` (unknown values last), written with literals rather than bound
 * parameters: only then can SQLite and PostgreSQL match the expression to an index built on it.
 * Never null, so it sorts the same in both orders without a NULLS clause.
 */
export function rankBy(column: string, values: readonly string[]): RawBuilder<number> {
  return sql<number>`case ${sql.ref(column)} ${sql.join(
    values.map((value, rank) => sql`when ${sql.lit(value)} then ${sql.lit(rank)}`),
    sql` `,
  )} else ${sql.lit(values.length)} end`;
}
