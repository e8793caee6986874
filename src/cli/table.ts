import Table from 'cli-table3';

/** A compact, borderless terminal table, as every command prints them. */
export function textTable(
  head: string[],
  rows: Table.CellValue[][],
  options: Table.TableConstructorOptions = {},
): string {
  const table = new Table({ head, style: { head: [], border: [], compact: true }, ...options });
  table.push(...rows);
  return table.toString();
}
