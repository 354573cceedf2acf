'use client';

import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../../ui/errors';
import { NodeTable } from '../../ui/node-table';
import { useTRPC } from '../../ui/trpc';

export default function NodesPage() {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.cluster.nodes.queryOptions(undefined, { refetchInterval: 2000 }));
  return (
    <>
      <div className="page-head">
        <h1>Nodes</h1>
      </div>
      {nodes.isError && (
        <p className="alert" role="alert">
          {errorMessage(nodes.error)}
        </p>
      )}
      {nodes.isPending ? <p className="muted">Loading nodes…</p> : nodes.data && <NodeTable nodes={nodes.data} />}
    </>
  );
}
