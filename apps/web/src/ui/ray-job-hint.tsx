'use client';

import { useEffect, useState } from 'react';

/**
 * How to submit a Ray job to a running Ray cluster session: the Ray Jobs API through the
 * portal's session path, authenticated with a portal API token (the portal adds the cluster's
 * own token; `sluice login` or POST /api/v1/tokens gives one).
 */
export function RayJobHint({ id }: { id: string }) {
  // The portal's address as the browser sees it (known only in the browser).
  const [origin, setOrigin] = useState('https://<portal>');
  useEffect(() => setOrigin(window.location.origin), []);
  const command = `ray job submit --address ${origin}/s/${id} \\\n  --headers "{\\"Authorization\\": \\"Bearer $SLUICE_TOKEN\\"}" \\\n  --working-dir . -- python my_script.py`;
  return (
    <details className="small" data-testid="ray-job-hint">
      <summary>Submit a Ray job</summary>
      <pre className="command">{command}</pre>
      <p className="hint">
        <code>SLUICE_TOKEN</code> is a portal API token. Inside the job, <code>ray.init()</code> joins this cluster.
      </p>
    </details>
  );
}
