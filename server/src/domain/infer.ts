const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const INTEGER = /^-?[0-9]+$/;

/**
 * infer_types, applied to every CSV/TSV cell read:
 *   ""                 -> null
 *   "true", "false"    -> true, false (exactly these spellings)
 *   a JSON number      -> that number ("-12", "3.5", "1e3"), except an integer beyond 2^53 - 1
 *                         in magnitude or a value overflowing a double: those stay strings, since
 *                         the number would not be the one written
 *   anything else      -> the string unchanged ("007", " 1", "0x1F", "NaN", "TRUE", "null")
 */
export function inferType(cell: string): string | number | boolean | null {
  if (cell === '') return null;
  if (cell === 'true') return true;
  if (cell === 'false') return false;
  if (!JSON_NUMBER.test(cell)) return cell;
  const number = Number(cell);
  if (!Number.isFinite(number)) return cell;
  if (INTEGER.test(cell) && !Number.isSafeInteger(number)) return cell;
  return number;
}
