'use client';

import { useParams } from 'next/navigation';
import { JobPage } from '../../../ui/job-page';

export default function JobDetailPage() {
  const { id } = useParams<{ id: string }>();
  return <JobPage key={id} id={decodeURIComponent(id)} />;
}
