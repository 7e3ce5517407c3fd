/**
 * Every column of a table, named: the object's keys must be exactly the table's columns (the
 * compiler checks both ways), so the list keeps up with the schema.
 *
 * A prepared statement (query-template.ts) selects these rather than `*`: PostgreSQL refuses to run a
 * prepared `select *` again once a migration has added a column to its table ("cached plan must not
 * change result type"), and the processes of the release before a migration serve until restarted.
 */
export function everyColumn<Table>(columns: { [K in keyof Table]-?: true }): (keyof Table & string)[] {
  return Object.keys(columns) as (keyof Table & string)[];
}
