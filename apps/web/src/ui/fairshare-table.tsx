import { type FairshareView, formatPercent } from '@sluice/contracts';

/** The fair-share tree like `sshare`: accounts and (visible) users, indented, each with its standing in words. */
export function FairshareTable({ view, myAccounts, me }: { view: FairshareView; myAccounts: string[]; me: string }) {
  if (view.rows.length === 0) return <p className="empty">The scheduler has not published a fair-share standing yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table fairshare">
        <thead>
          <tr>
            <th scope="col">Account / user</th>
            <th scope="col" className="num">
              Shares
            </th>
            <th scope="col" className="num" title="Slice of the whole cluster these shares give">
              Cluster share
            </th>
            <th scope="col" className="num" title="Part of all recent (decayed) GPU time">
              Usage
            </th>
            <th scope="col" className="num" title="Shares over usage among siblings; above 1 = under-served">
              Level FS
            </th>
            <th scope="col" className="num" title="Fair-share factor in the priority, 0 to 1">
              Factor
            </th>
            <th scope="col" className="num">
              GPUs now
            </th>
            <th scope="col">Standing</th>
          </tr>
        </thead>
        <tbody>
          {view.rows.map((r) => {
            const mine = r.user === null ? myAccounts.includes(r.account) : r.user === me;
            return (
              <tr key={`${r.account}/${r.user ?? ''}`} className={mine ? 'mine' : undefined} data-testid="fairshare-row" data-account={r.account} data-user={r.user ?? ''}>
                <td className="nowrap" style={{ paddingLeft: 14 + (r.depth - 1) * 18 }}>
                  {r.user === null ? <strong>{r.account}</strong> : <span>{r.user}</span>}
                </td>
                <td className="num nowrap">
                  {r.rawShares} <span className="muted small">({formatPercent(r.normShares)})</span>
                </td>
                <td className="num">{formatPercent(r.globalShares)}</td>
                <td className="num">{formatPercent(r.normUsage)}</td>
                <td className="num">{r.levelFairshare === null ? '∞' : r.levelFairshare.toFixed(2)}</td>
                <td className="num">{r.fairshareFactor.toFixed(3)}</td>
                <td className="num">{r.allocatedGpus}</td>
                <td className="summary" data-testid="fairshare-summary">
                  {r.summary}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
