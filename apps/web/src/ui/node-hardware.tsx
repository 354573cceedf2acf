import type { NodeHardware } from '@sluice/contracts';
import { formatMiB } from './format';

const bytes = (n: number) => (n >= 1e12 ? `${(n / 1e12).toFixed(2)} TB` : `${Math.round(n / 1e9)} GB`);
const speed = (mbps: number | null) => (mbps === null ? '—' : mbps >= 1000 ? `${mbps / 1000} Gb/s` : `${mbps} Mb/s`);

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="details-row">
      <span className="muted">{label}</span>
      <span data-testid={`hw-${label.toLowerCase().replace(/\W+/g, '-')}`}>{children}</span>
    </div>
  );
}

/** The node's hardware and OS as its agent last reported them. */
export function NodeHardwareView({ hw }: { hw: NodeHardware }) {
  return (
    <>
      <div className="card section">
        <h2>Inventory</h2>
        <div className="details">
          <Row label="CPU">
            {hw.cpu.model} · {hw.cpu.sockets} socket{hw.cpu.sockets === 1 ? '' : 's'}, {hw.cpu.cores} cores, {hw.cpu.threads} threads
          </Row>
          <Row label="NUMA">{hw.cpu.numaNodes.length === 0 ? '—' : hw.cpu.numaNodes.map((n) => `node ${n.id}: CPUs ${n.cpus}${n.memoryMiB !== null ? `, ${formatMiB(n.memoryMiB)}` : ''}`).join(' · ')}</Row>
          <Row label="Memory">
            {formatMiB(hw.memory.totalMiB)}
            {hw.memory.swapMiB > 0 ? ` (+ ${formatMiB(hw.memory.swapMiB)} swap)` : ''}
          </Row>
          <Row label="OS">{hw.os.prettyName}</Row>
          <Row label="Kernel">
            {hw.kernel.release} ({hw.kernel.arch})
          </Row>
          <Row label="NVIDIA driver">{hw.nvidia ? `${hw.nvidia.driverVersion ?? 'unknown'} · CUDA ${hw.nvidia.cudaVersion ?? 'unknown'}` : 'none (simulated GPUs)'}</Row>
          <Row label="Containers">
            {hw.containers
              ? `${hw.containers.name} ${hw.containers.version} · ${hw.containers.cdiGpuDevices.length > 0 ? `CDI: ${hw.containers.cdiGpuDevices.join(', ')}` : 'no CDI spec for NVIDIA GPUs'}`
              : 'none (no podman: jobs with an image do not run here)'}
          </Row>
        </div>
      </div>
      <div className="section table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Disk</th>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">Type</th>
            </tr>
          </thead>
          <tbody>
            {hw.disks.map((d) => (
              <tr key={d.name} data-testid="disk-row">
                <td className="mono">{d.name}</td>
                <td>{d.model ?? '—'}</td>
                <td className="num">{bytes(d.sizeBytes)}</td>
                <td>{d.rotational ? 'HDD' : 'SSD / NVMe'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="section table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Interface</th>
              <th scope="col">Kind</th>
              <th scope="col">MAC</th>
              <th scope="col" className="num">
                Speed
              </th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {hw.nics.map((n) => (
              <tr key={n.name} data-testid="nic-row">
                <td className="mono">{n.name}</td>
                <td>{n.kind}</td>
                <td className="mono small">{n.mac ?? '—'}</td>
                <td className="num">{speed(n.speedMbps)}</td>
                <td>{n.operstate}</td>
              </tr>
            ))}
            {hw.infiniband.map((p) => (
              <tr key={`${p.device}/${p.port}`} data-testid="rdma-row">
                <td className="mono">
                  {p.device}/{p.port}
                  {p.netdevs.length > 0 ? ` (${p.netdevs.join(', ')})` : ''}
                </td>
                <td>{p.linkLayer === 'Ethernet' ? 'RoCE' : (p.linkLayer ?? 'RDMA')}</td>
                <td>—</td>
                <td className="num">{p.rate ?? '—'}</td>
                <td>{p.state ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
