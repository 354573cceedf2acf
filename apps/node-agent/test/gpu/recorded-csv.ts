/**
 * The recorded query captures were taken with `--format=csv` (a header line, units after the
 * numbers) and with a longer field list than the agent asks for. This turns such a capture into
 * what `--format=csv,noheader,nounits` prints for the agent's own field list: the columns are
 * picked by their header name, and the unit the header declares ("memory.total [MiB]") is cut off
 * the values ("81559 MiB" → "81559"). Cells are otherwise passed on untouched, "[N/A]" included.
 */
export function projectRecordedCsv(
  recorded: string,
  fields: readonly string[],
  options: { aliases?: Record<string, string>; keepUnits?: boolean } = {},
): string {
  const [headerLine, ...rows] = recorded.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (headerLine === undefined) throw new Error('recorded CSV has no header line');
  const header = headerLine.split(', ').map((h) => {
    const m = /^(.*?)(?: \[(.+)\])?$/.exec(h.trim());
    return { name: m?.[1] ?? h, unit: m?.[2] ?? null };
  });
  const columns = fields.map((field) => {
    const name = options.aliases?.[field] ?? field;
    const at = header.findIndex((h) => h.name === name);
    if (at < 0) throw new Error(`recorded CSV has no column ${name}`);
    return at;
  });
  return rows
    .map((row) => {
      const cells = row.split(', ');
      if (cells.length !== header.length) throw new Error(`recorded row has ${cells.length} cells for ${header.length} columns`);
      return columns
        .map((at) => {
          const cell = (cells[at] ?? '').trim();
          const unit = header[at]?.unit;
          return unit && !options.keepUnits && cell.endsWith(` ${unit}`) ? cell.slice(0, -unit.length - 1) : cell;
        })
        .join(', ');
    })
    .join('\n');
}
