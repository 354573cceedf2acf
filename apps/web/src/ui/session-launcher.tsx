'use client';

import { SESSION_TEMPLATES } from '@sluice/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { errorMessage } from './errors';
import { nodesSpanned } from './session-nodes';
import { TEMPLATE_LABELS } from './session-templates';
import { useTRPC } from './trpc';

const num = (s: string): number | null => (s.trim() === '' ? null : Number(s));

/** Starts an interactive session (JupyterLab, a terminal or a Ray cluster) on the cluster. */
export function SessionLauncher() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [template, setTemplate] = useState<string>('jupyter');
  const [gpus, setGpus] = useState('1');
  const [hours, setHours] = useState('4');
  const nodes = useQuery(trpc.cluster.nodes.queryOptions());
  const span = nodesSpanned(
    num(gpus) ?? 0,
    (nodes.data ?? []).filter((n) => n.state === 'UP').map((n) => n.gpus.length),
  );
  const create = useMutation(
    trpc.sessions.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.sessions.list.queryKey() }),
    }),
  );

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ template, gpus: num(gpus), hours: num(hours) });
  };

  return (
    <form className="card form" onSubmit={onSubmit} noValidate>
      <div className="card-head">
        <h2>Start a session</h2>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor="template">Template</label>
          <select id="template" name="template" value={template} onChange={(e) => setTemplate(e.target.value)}>
            {SESSION_TEMPLATES.map((t) => (
              <option key={t} value={t}>
                {TEMPLATE_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="session-gpus">{template === 'ray' ? 'GPUs in all' : 'GPUs'}</label>
          <input id="session-gpus" name="gpus" type="number" min={0} max={8} step={1} value={gpus} onChange={(e) => setGpus(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="session-hours">Hours</label>
          <input id="session-hours" name="hours" type="number" min={0.25} max={72} step={0.25} value={hours} onChange={(e) => setHours(e.target.value)} />
        </div>
        {template === 'ray' && (
          <div className="field">
            <span className="label">Nodes</span>
            <output data-testid="ray-nodes" className="field-value">
              {span === null ? 'more GPUs than the cluster has' : `${span} (head${span > 1 ? ` + ${span - 1} worker${span > 2 ? 's' : ''}` : ''})`}
            </output>
          </div>
        )}
        <div className="field field-button">
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            {create.isPending ? 'Starting…' : 'Start session'}
          </button>
        </div>
      </div>
      {template === 'ray' && (
        <p className="hint">
          A Ray cluster: the head (dashboard, Jobs API) on the first node, a worker on each further node. More GPUs than one node has take whole
          nodes. Open its dashboard here; submit Ray jobs with <code>ray job submit</code> through the portal (shown once it runs).
        </p>
      )}
      {create.isError && (
        <p className="form-error" role="alert" data-testid="form-error">
          {errorMessage(create.error)}
        </p>
      )}
    </form>
  );
}
