'use client';

import type { QosView } from '@sluice/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { num } from '../../../ui/admin/account-create-form';
import { errorMessage } from '../../../ui/errors';
import { formatMinutes } from '../../../ui/format';
import { useTRPC } from '../../../ui/trpc';

const NUMBER_FIELDS = [
  ['priority', 'Priority'],
  ['maxWallMinutes', 'Max wall time (min)'],
  ['maxGpusPerUser', 'Max GPUs per user'],
  ['maxGpusPerAccount', 'Max GPUs per account'],
  ['idleTimeoutMinutes', 'Idle timeout (min)'],
  ['maxLifetimeMinutes', 'Max lifetime (min)'],
] as const;
type NumberField = (typeof NUMBER_FIELDS)[number][0];
const EMPTY = { name: '', preemptible: false, canPreempt: '', ...Object.fromEntries(NUMBER_FIELDS.map(([k]) => [k, ''])) } as { name: string; preemptible: boolean; canPreempt: string } & Record<NumberField, string>;
const toForm = (q: QosView): typeof EMPTY => ({
  name: q.name,
  preemptible: q.preemptible,
  canPreempt: q.canPreempt.join(','),
  ...(Object.fromEntries(NUMBER_FIELDS.map(([k]) => [k, q[k] === null ? '' : String(q[k])])) as Record<NumberField, string>),
});
const limit = (v: number | null, f: (n: number) => string = String) => (v === null ? '—' : f(v));

export default function QosAdminPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.qos.list.queryOptions());
  const [form, setForm] = useState(EMPTY);
  const [editing, setEditing] = useState<string | null>(null);
  const done = () => {
    setForm(EMPTY);
    setEditing(null);
    void queryClient.invalidateQueries({ queryKey: trpc.qos.list.queryKey() });
  };
  const create = useMutation(trpc.qos.create.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.qos.update.mutationOptions({ onSuccess: done }));
  const del = useMutation(trpc.qos.delete.mutationOptions({ onSuccess: done }));
  const failed = [create, update, del].find((m) => m.isError);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const fields = {
      preemptible: form.preemptible,
      canPreempt: form.canPreempt.split(',').map((s) => s.trim()).filter(Boolean),
      ...Object.fromEntries(NUMBER_FIELDS.map(([k]) => [k, num(form[k])])),
    };
    if (editing) update.mutate({ name: editing, changes: fields });
    else create.mutate({ name: form.name.trim(), ...fields });
  };

  return (
    <>
      <div className="page-head">
        <div>
          <h1>QOS classes</h1>
          <p className="muted small">Priority, preemption and limits per class of work (interactive, batch, scavenger…).</p>
        </div>
      </div>
      {failed && (
        <p className="alert" role="alert" data-testid="form-error">
          {errorMessage(failed.error)}
        </p>
      )}
      <div className="admin-stack">
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Priority
                </th>
                <th scope="col">Preemptible</th>
                <th scope="col">Can preempt</th>
                <th scope="col">Max wall</th>
                <th scope="col">GPUs / user</th>
                <th scope="col">GPUs / account</th>
                <th scope="col">Idle timeout</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {(list.data ?? []).map((q) => (
                <tr key={q.name} data-testid="qos-row" data-qos={q.name}>
                  <td>
                    <strong>{q.name}</strong>
                  </td>
                  <td className="num">{q.priority}</td>
                  <td>{q.preemptible ? 'yes' : 'no'}</td>
                  <td>{q.canPreempt.join(', ') || '—'}</td>
                  <td>{limit(q.maxWallMinutes, formatMinutes)}</td>
                  <td>{limit(q.maxGpusPerUser)}</td>
                  <td>{limit(q.maxGpusPerAccount)}</td>
                  <td>{limit(q.idleTimeoutMinutes, formatMinutes)}</td>
                  <td>
                    <div className="row-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => {
                          setEditing(q.name);
                          setForm(toForm(q));
                        }}
                      >
                        Edit
                      </button>
                      <button type="button" className="btn btn-small btn-danger" onClick={() => window.confirm(`Delete QOS ${q.name}?`) && del.mutate({ name: q.name })}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form className="card form" onSubmit={onSubmit} noValidate>
          <h2>{editing ? `Edit ${editing}` : 'New QOS'}</h2>
          {!editing && (
            <div className="field">
              <label htmlFor="qos-name">QOS name</label>
              <input id="qos-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
            </div>
          )}
          <div className="field-row">
            {NUMBER_FIELDS.map(([k, label]) => (
              <div className="field" key={k}>
                <label htmlFor={`qos-${k}`}>{label}</label>
                <input id={`qos-${k}`} type="number" min={0} value={form[k]} placeholder={k === 'priority' ? '' : 'none'} onChange={(e) => setForm({ ...form, [k]: e.target.value })} />
              </div>
            ))}
          </div>
          <div className="field">
            <label htmlFor="qos-can-preempt">May preempt (comma-separated QOS)</label>
            <input id="qos-can-preempt" value={form.canPreempt} onChange={(e) => setForm({ ...form, canPreempt: e.target.value })} />
          </div>
          <label className="toggle" htmlFor="qos-preemptible">
            <input id="qos-preemptible" type="checkbox" checked={form.preemptible} onChange={(e) => setForm({ ...form, preemptible: e.target.checked })} />
            Its jobs may be preempted
          </label>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">
              {editing ? 'Save' : 'Create QOS'}
            </button>
            {editing && (
              <button type="button" className="btn" onClick={() => done()}>
                Cancel
              </button>
            )}
          </div>
        </form>
      </div>
    </>
  );
}
