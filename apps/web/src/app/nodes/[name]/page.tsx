'use client';

import { useParams } from 'next/navigation';
import { NodePage } from '../../../ui/node-page';

export default function NodeDetailPage() {
  const { name } = useParams<{ name: string }>();
  return <NodePage key={name} name={decodeURIComponent(name)} />;
}
