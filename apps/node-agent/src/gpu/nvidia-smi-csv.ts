/**
 * Reading `nvidia-smi --query-* --format=csv,noheader,nounits` output: one record a line,
 * fields separated by ", ", and "[N/A]" / "[Not Supported]" where the driver has no value.
 * Every failure names the query, the line and the field, so a bad driver answer is
 * diagnosable from the agent log alone.
 */

export class NvidiaSmiParseError extends Error {
  override readonly name = 'NvidiaSmiParseError';
}

export interface CsvLine {
  /** 1-based line number in the original text. */
  lineNo: number;
  /** The line without surrounding whitespace. */
  raw: string;
  cells: string[];
}

/** Splits into non-blank lines (LF, CRLF or CR) and comma-separated, trimmed cells. */
export function csvLines(text: string): CsvLine[] {
  const out: CsvLine[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const raw = line.trim();
    if (raw !== '') out.push({ lineNo: i + 1, raw, cells: raw.split(',').map((c) => c.trim()) });
  });
  return out;
}

/**
 * The driver's "no value" markers; everything else must parse, so a fault such as "[Unknown Error]"
 * stays an error. Recent drivers print "[Requested functionality has been deprecated]" for fields
 * they retired: no value either.
 */
const NO_VALUE = new Set(['[N/A]', '[Not Supported]', 'N/A', '[Requested functionality has been deprecated]']);

const GPU_UUID = /^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function hint(cell: string): string {
  if (/^\d+(\.\d+)?\s*[A-Za-z%]+$/.test(cell)) return ' (value has a unit: query with --format=csv,noheader,nounits)';
  if (/^[a-z_]+(\.[a-z_]+)+/i.test(cell) || cell === 'index' || cell === 'uuid' || cell === 'name') {
    return ' (looks like a header line: query with --format=csv,noheader,nounits)';
  }
  return '';
}

/** Typed access to the fields of one line, by query field name. */
export interface FieldReader<F extends string> {
  text(field: F): string;
  /** Text, or null for the driver's "no value" markers. */
  optText(field: F): string | null;
  int(field: F): number;
  optInt(field: F, max?: number): number | null;
  optDecimal(field: F): number | null;
  optHexMask(field: F): number | null;
  gpuUuid(field: F): string;
}

export function fieldReader<F extends string>(query: string, line: CsvLine, fields: readonly F[]): FieldReader<F> {
  if (line.cells.length !== fields.length) {
    throw new NvidiaSmiParseError(
      `${query} line ${line.lineNo}: expected ${fields.length} fields (${fields.join(',')}), got ${line.cells.length}: ${JSON.stringify(line.raw)}`,
    );
  }
  const cell = (field: F): string => line.cells[fields.indexOf(field)] ?? '';
  const fail = (field: F, why: string): NvidiaSmiParseError => {
    const value = cell(field);
    return new NvidiaSmiParseError(`${query} line ${line.lineNo}: ${field} ${JSON.stringify(value)} ${why}${hint(value)}`);
  };
  const int = (field: F, max = Number.MAX_SAFE_INTEGER): number => {
    const value = cell(field);
    if (!/^\d+$/.test(value)) throw fail(field, 'is not a non-negative integer');
    const n = Number(value);
    if (n > max) throw fail(field, `is above ${max}`);
    return n;
  };
  const orNull = <T>(field: F, read: () => T): T | null => (NO_VALUE.has(cell(field)) ? null : read());
  return {
    text(field) {
      const value = cell(field);
      if (value === '' || NO_VALUE.has(value)) throw fail(field, 'is empty');
      return value;
    },
    optText: (field) => orNull(field, () => cell(field) || null),
    int: (field) => int(field),
    optInt: (field, max) => orNull(field, () => int(field, max)),
    optDecimal: (field) =>
      orNull(field, () => {
        const value = cell(field);
        if (!/^\d+(\.\d+)?$/.test(value)) throw fail(field, 'is not a non-negative number');
        return Number(value);
      }),
    optHexMask: (field) =>
      orNull(field, () => {
        const value = cell(field);
        if (!/^0x[0-9a-f]{1,16}$/i.test(value)) throw fail(field, 'is not a hexadecimal bit mask');
        return Number.parseInt(value.slice(2), 16);
      }),
    gpuUuid(field) {
      const value = cell(field);
      if (!GPU_UUID.test(value)) throw fail(field, 'is not a GPU UUID (GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)');
      return value;
    },
  };
}
