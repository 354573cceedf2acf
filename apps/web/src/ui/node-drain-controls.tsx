'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from './errors';
import { useTRPC } from './trpc';
import { useMe } from './use-me';

/** Drain (with a reason) or undrain a node; shown to admins only. */
export function NodeDrainControls({ name, state }: { name: string; state: 'UP' | 'DOWN' | 'DRAIN' }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useMe();
  const [reason, setReason] = useState('');
  const [asking, setAsking] = useState(false);
  const done = {
    onSuccess: () => {
      setAsking(false);
      setReason('');
      void queryClient.invalidateQueries({ queryKey: trpc.cluster.nodes.queryKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.nodes.get.queryKey({ name }) });
    },
  };
  const drain = useMutation(trpc.nodes.drain.mutationOptions(done));
  const undrain = useMutation(trpc.nodes.undrain.mutationOptions(done));
  if (me?.role !== 'admin') return null;
  const error = drain.error ?? undrain.error;

  if (state === 'DRAIN') {
    return (
      <span className="row-actions">
        <button type="button" className="btn btn-small" disabled={undrain.isPending} onClick={() => undrain.mutate({ name })} data-testid="undrain">
          Undrain
        </button>
        {error && <span className="reason">{errorMessage(error)}</span>}
      </span>
    );
  }
  if (!asking) {
    return (
      <button type="button" className="btn btn-small btn-danger" onClick={() => setAsking(true)} data-testid="drain">
        Drain…
      </button>
    );
  }
  return (
    <form
      className="row-actions"
      onSubmit={(e) => {
        e.preventDefault();
        drain.mutate({ name, reason });
      }}
    >
      <input aria-label={`Why drain ${name}`} placeholder="reason, e.g. replacing GPU 3" value={reason} onChange={(e) => setReason(e.target.value)} required />
      <button type="submit" className="btn btn-small btn-danger" disabled={drain.isPending} data-testid="drain-confirm">
        Drain
      </button>
      <button type="button" className="btn btn-small" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {error && <span className="reason">{errorMessage(error)}</span>}
    </form>
  );
}
