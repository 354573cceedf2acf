/** Wording shared by the portal's server, its pages and the CLI, so all three say the same thing. */

/** 0.333 → "33%"; anything above 0 but below half a percent → "<1%". */
export function formatPercent(x: number): string {
  if (x > 0 && x < 0.005) return '<1%';
  return `${Math.round(x * 100)}%`;
}

/** 604800 → "7 days", 3600 → "1 hour", 90 → "90 seconds". */
export function formatHalfLife(sec: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (sec >= size && sec % size === 0) return `${sec / size} ${name}${sec === size ? '' : 's'}`;
  }
  return `${sec} seconds`;
}
