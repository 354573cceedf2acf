import { z } from 'zod';

/**
 * Container image references, as `podman run` takes them: `[registry[:port]/]path[:tag][@digest]`
 * (the grammar of the OCI distribution reference), e.g. `localhost/pytorch:24.01`,
 * `registry.lab.example:5000/ml/jax:0.4`. Pyxis/enroot's `registry#path` form
 * (`nvcr.io#nvidia/pytorch:24.01-py3`) is read too, so `#SBATCH --container-image` lines of
 * existing scripts work unchanged. Nothing outside the grammar is accepted: no spaces, no shell
 * metacharacters, never a leading `-` (which podman would read as an option).
 */

const DOMAIN_PART = '(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])';
const DOMAIN = new RegExp(`^${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]{1,5})?$`);
const PATH_PART = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** Longest reference accepted (the distribution spec's limit on the name is 255). */
export const IMAGE_REF_MAX = 512;

export interface ImageRef {
  /** The normalised reference handed to podman. */
  ref: string;
  /** The registry it names (`localhost` for the local store), or null for a short name (local store only). */
  registry: string | null;
}

/** Whether the first path component names a registry (the distribution spec's rule). */
const namesRegistry = (first: string) => first.includes('.') || first.includes(':') || first === 'localhost';

/** Parses a reference, or says what is wrong with it. */
export function parseImageRef(raw: string): ImageRef | { error: string } {
  const s = raw.trim();
  if (s === '') return { error: 'the image reference is empty' };
  if (s.length > IMAGE_REF_MAX) return { error: `the image reference is longer than ${IMAGE_REF_MAX} characters` };
  if (/[^A-Za-z0-9._:/@#+-]/.test(s)) return { error: `"${s}" is not an image reference: only letters, digits and . _ - : / @ # + may appear` };
  if (s.startsWith('-')) return { error: `"${s}" starts with "-": an image reference never does (podman would read it as an option)` };
  if (s.includes('@') && s.indexOf('@') < s.indexOf('#')) return { error: 'user@registry# image references are not supported: registry credentials are the node admin’s' };
  const hashes = s.split('#').length - 1;
  if (hashes > 1) return { error: `"${s}" has more than one "#" (pyxis form is registry#image)` };
  let rest = s;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { error: `"${digest}" is not an image digest (e.g. sha256:<64 hex digits>)` };
  }
  let registry: string | null = null;
  if (hashes === 1) {
    const [reg = '', image = ''] = rest.split('#');
    if (!DOMAIN.test(reg)) return { error: `"${reg}" is not a registry host name` };
    registry = reg;
    rest = image;
  } else {
    const first = rest.split('/')[0] ?? '';
    if (rest.includes('/') && namesRegistry(first)) {
      if (!DOMAIN.test(first)) return { error: `"${first}" is not a registry host name` };
      registry = first;
      rest = rest.slice(first.length + 1);
    }
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { error: `"${tag}" is not an image tag` };
  }
  const parts = rest.split('/');
  const bad = parts.find((p) => !PATH_PART.test(p));
  if (bad !== undefined) return { error: `"${bad || rest}" is not a valid image name component (lower-case letters, digits, and . _ - between them)` };
  const ref = `${registry ? `${registry}/` : ''}${parts.join('/')}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { ref, registry };
}

/** An image reference in a request: normalised (pyxis `#` form becomes `/`), refused with the reason when invalid. */
export const ContainerImage = z
  .string()
  .max(IMAGE_REF_MAX)
  .transform((raw, ctx) => {
    const parsed = parseImageRef(raw);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.ref;
  });

/**
 * Registries podman may pull from on a node: only those listed (SLUICE_CONTAINER_REGISTRIES),
 * never a short name's search list, so nothing comes from the internet. The local store
 * (`localhost/...` and short names) never pulls.
 */
export function mayPull(ref: string, allowedRegistries: readonly string[]): boolean {
  const parsed = parseImageRef(ref);
  if ('error' in parsed || parsed.registry === null || parsed.registry === 'localhost') return false;
  return allowedRegistries.includes(parsed.registry.toLowerCase());
}
