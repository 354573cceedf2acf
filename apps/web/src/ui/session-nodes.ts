/**
 * How many nodes a request for `gpus` GPUs spans, given the GPUs of each schedulable node: one
 * when a node has that many, else whole nodes, largest first (the scheduler places a job larger
 * than any node on the fewest whole nodes). Null when the cluster cannot hold it at all.
 */
export function nodesSpanned(gpus: number, nodeGpus: number[]): number | null {
  const sizes = nodeGpus.filter((n) => n > 0).sort((a, b) => b - a);
  if (gpus <= (sizes[0] ?? 0) || gpus <= 0) return 1;
  let left = gpus;
  for (const [i, size] of sizes.entries()) {
    left -= size;
    if (left <= 0) return i + 1;
  }
  return null;
}
