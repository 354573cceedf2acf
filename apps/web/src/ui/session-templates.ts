import type { SessionTemplate } from '@sluice/contracts';

/** How each session template is named in the portal. */
export const TEMPLATE_LABELS = { jupyter: 'Jupyter', terminal: 'Terminal', ray: 'Ray cluster' } satisfies Record<SessionTemplate, string>;
