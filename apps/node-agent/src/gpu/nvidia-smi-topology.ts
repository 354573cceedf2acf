import { NvidiaSmiParseError } from './nvidia-smi-csv';

/**
 * Parser for `nvidia-smi topo -m`: a tab-separated matrix (GPU and NIC rows/columns, then
 * CPU/NUMA affinity columns on GPU rows), a Legend, and on newer drivers a "NIC Legend"
 * naming NIC0… as mlx5_0…. Quirks handled, all seen in real output:
 *  - the header may be underlined with ANSI escapes when nvidia-smi thinks it has a TTY;
 *  - self cells are " X " (padded);
 *  - drivers that print "GPU NUMA ID" put an extra empty cell before it on GPU rows;
 *  - NIC rows end in empty affinity cells, or none at all on old drivers;
 *  - older drivers name NIC columns after the device (mlx5_0) and use SOC for SYS.
 */

/** A link code: X (self), NV<n> (n bonded NVLinks), PIX, PXB, PHB, NODE, SYS, or legacy SOC. */
export type GpuLink = string;

export interface TopologyAffinity {
  /** CPU list as printed, e.g. "0-47,96-143"; null when absent, empty or N/A. */
  cpuAffinity: string | null;
  /** NUMA node list as printed, e.g. "0"; null when absent, empty or N/A. */
  numaAffinity: string | null;
  /** The GPU's own NUMA node (Grace systems); null when absent or N/A. */
  gpuNumaId: string | null;
}

export interface GpuTopology {
  /** GPU labels in nvidia-smi's order: GPU0, GPU1, … */
  gpus: string[];
  /** NIC labels: NIC0… on current drivers, device names such as mlx5_0 on older ones. */
  nics: string[];
  /** From "NIC Legend": NIC0 → mlx5_0. Empty when the output has no NIC legend. */
  nicNames: Record<string, string>;
  /** gpuLinks[i][j]: link from gpus[i] to gpus[j]; "X" on the diagonal. */
  gpuLinks: GpuLink[][];
  /** gpuNicLinks[i][k]: link from gpus[i] to nics[k]. */
  gpuNicLinks: GpuLink[][];
  /** Per GPU, same order as gpus. */
  affinity: TopologyAffinity[];
}

const LINK = /^(X|NV\d+|PIX|PXB|PHB|NODE|SYS|SOC)$/;
const GPU_LABEL = /^GPU\d+$/;
const AFFINITY_COLUMNS = ['CPU Affinity', 'NUMA Affinity', 'GPU NUMA ID'] as const;
type AffinityColumn = (typeof AFFINITY_COLUMNS)[number];
// Built from a string: biome rejects a control character in a regex literal.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Number of bonded NVLinks for an NV<n> code, 0 for anything else. */
export function nvlinkCount(link: GpuLink): number {
  const m = /^NV(\d+)$/.exec(link);
  return m ? Number(m[1]) : 0;
}

export function parseTopology(text: string): GpuTopology {
  const lines = text.replace(ANSI, '').split(/\r\n|\r|\n/);
  const start = lines.findIndex((l) => l.trim() !== '');
  const fail = (lineIdx: number, why: string) => new NvidiaSmiParseError(`topo -m line ${lineIdx + 1}: ${why}`);
  if (start < 0) throw new NvidiaSmiParseError('topo -m: empty output');

  const headerLine = lines[start] ?? '';
  if (!headerLine.includes('\t')) throw fail(start, `header is not tab-separated: ${JSON.stringify(headerLine.trim())}`);
  const header = trimEmptyEnds(headerLine.split('\t').map((c) => c.trim()));
  const firstAffinity = header.findIndex((c) => (AFFINITY_COLUMNS as readonly string[]).includes(c));
  const devices = firstAffinity < 0 ? header : header.slice(0, firstAffinity);
  const affinityCols = firstAffinity < 0 ? [] : header.slice(firstAffinity);
  for (const c of affinityCols) {
    if (!(AFFINITY_COLUMNS as readonly string[]).includes(c)) throw fail(start, `unknown column ${JSON.stringify(c)} after the affinity columns`);
  }
  const gpus = devices.filter((d) => GPU_LABEL.test(d));
  const nics = devices.filter((d) => !GPU_LABEL.test(d));
  if (gpus.length === 0) throw fail(start, `no GPU columns in header ${JSON.stringify(headerLine.trim())}`);
  if (new Set(devices).size !== devices.length) throw fail(start, 'a device column appears twice');

  const rows = new Map<string, { links: GpuLink[]; affinity: TopologyAffinity }>();
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') break;
    const cells = line.split('\t');
    const label = (cells[0] ?? '').trim();
    const col = devices.indexOf(label);
    if (col < 0) throw fail(i, `row ${JSON.stringify(label)} is not one of the header's devices (${devices.join(', ')})`);
    if (rows.has(label)) throw fail(i, `row ${label} appears twice`);
    const links = cells.slice(1, 1 + devices.length).map((c) => c.trim());
    if (links.length < devices.length) throw fail(i, `row ${label} has ${links.length} link cells, expected ${devices.length}`);
    links.forEach((link, j) => {
      if (!LINK.test(link)) throw fail(i, `unknown link ${JSON.stringify(link)} from ${label} to ${devices[j]}`);
    });
    if (links[col] !== 'X') throw fail(i, `row ${label} does not link to itself as X`);
    const affinity = readAffinity(cells.slice(1 + devices.length).map((c) => c.trim()), affinityCols as AffinityColumn[], (why) => fail(i, `row ${label}: ${why}`));
    rows.set(label, { links, affinity });
  }

  const gpuCols = gpus.map((g) => devices.indexOf(g));
  const nicCols = nics.map((n) => devices.indexOf(n));
  const gpuRows = gpus.map((g) => {
    const row = rows.get(g);
    if (!row) throw new NvidiaSmiParseError(`topo -m: no row for ${g}`);
    return row;
  });
  return {
    gpus,
    nics,
    nicNames: readNicLegend(lines.slice(i)),
    gpuLinks: gpuRows.map((r) => gpuCols.map((c) => r.links[c] ?? 'X')),
    gpuNicLinks: gpuRows.map((r) => nicCols.map((c) => r.links[c] ?? 'X')),
    affinity: gpuRows.map((r) => r.affinity),
  };
}

function readAffinity(cells: string[], columns: AffinityColumn[], fail: (why: string) => Error): TopologyAffinity {
  const t = [...cells];
  while (t.length > columns.length && t[t.length - 1] === '') t.pop();
  // Drivers with "GPU NUMA ID" print an empty cell just before it.
  if (t.length === columns.length + 1 && t[columns.length - 1] === '') t.splice(columns.length - 1, 1);
  if (t.length > columns.length) throw fail(`${t.length} affinity cells for ${columns.length} columns (${columns.join(', ')})`);
  const value = (column: AffinityColumn, shape: RegExp): string | null => {
    const idx = columns.indexOf(column);
    const v = idx < 0 ? '' : (t[idx] ?? '');
    if (v === '' || v === 'N/A') return null;
    if (!shape.test(v)) throw fail(`${column} ${JSON.stringify(v)} is not a list like 0-15,32-47`);
    return v;
  };
  const list = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;
  return { cpuAffinity: value('CPU Affinity', list), numaAffinity: value('NUMA Affinity', list), gpuNumaId: value('GPU NUMA ID', /^\d+$/) };
}

function readNicLegend(lines: string[]): Record<string, string> {
  const names: Record<string, string> = {};
  const at = lines.findIndex((l) => l.trim() === 'NIC Legend:');
  if (at < 0) return names;
  for (const line of lines.slice(at + 1)) {
    const m = /^\s*(NIC\d+):\s*(\S+)\s*$/.exec(line);
    if (m?.[1] && m[2]) names[m[1]] = m[2];
    else if (line.trim() !== '') break;
  }
  return names;
}

function trimEmptyEnds(cells: string[]): string[] {
  let a = 0;
  let b = cells.length;
  while (a < b && cells[a] === '') a++;
  while (b > a && cells[b - 1] === '') b--;
  return cells.slice(a, b);
}
