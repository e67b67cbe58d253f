/**
 * Spreadsheet-safe CSV cells (OWASP "CSV Injection"): a cell that begins with `=`, `+`, `-`,
 * `@`, a tab or a carriage return is a formula to Excel, LibreOffice and Google Sheets
 * (`=HYPERLINK(...)` arrives as a live link). The export prefixes such a cell with a single
 * quote, which spreadsheets show as text, and quotes every field.
 *
 * To stay reversible a cell that already begins with quotes followed by one of those
 * characters gets one quote more; import removes exactly one leading quote from a cell that
 * begins with quotes followed by one of them. So `=1+1` → `'=1+1` → `=1+1`, and `'=x` → `''=x` → `'=x`.
 */
const FORMULA = /^'*[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return FORMULA.test(value) ? `'${value}` : value;
}

export function restoreCell(value: string): string {
  return value.startsWith("'") && FORMULA.test(value) ? value.slice(1) : value;
}
