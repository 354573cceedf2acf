import { describe, expect, it } from 'vitest';
import { ContainerImage, mayPull, parseImageRef } from '../src/container-image';

describe('container image references', () => {
  it('reads local, registry, port, tag and digest forms, naming the registry', () => {
    expect(parseImageRef('pytorch')).toEqual({ ref: 'pytorch', registry: null });
    expect(parseImageRef('localhost/pytorch:24.01')).toEqual({ ref: 'localhost/pytorch:24.01', registry: 'localhost' });
    expect(parseImageRef(' registry.lab.example:5000/ml/jax:0.4.30 ')).toEqual({ ref: 'registry.lab.example:5000/ml/jax:0.4.30', registry: 'registry.lab.example:5000' });
    expect(parseImageRef('library/ubuntu:22.04')).toEqual({ ref: 'library/ubuntu:22.04', registry: null });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageRef(`nvcr.io/nvidia/pytorch@${digest}`)).toEqual({ ref: `nvcr.io/nvidia/pytorch@${digest}`, registry: 'nvcr.io' });
    expect(parseImageRef(`my_team/train-v2__x:latest@${digest}`)).toMatchObject({ registry: null });
  });

  it("reads pyxis/enroot's registry#image form as registry/image", () => {
    expect(parseImageRef('nvcr.io#nvidia/pytorch:24.01-py3')).toEqual({ ref: 'nvcr.io/nvidia/pytorch:24.01-py3', registry: 'nvcr.io' });
    expect(ContainerImage.parse('registry.lab:5000#ml/jax')).toBe('registry.lab:5000/ml/jax');
  });

  it('refuses shell metacharacters, options, spaces, upper case names and half-written references, saying why', () => {
    const bad: [string, RegExp][] = [
      ['ubuntu;rm -rf /', /only letters, digits/],
      ['$(id)', /only letters, digits/],
      ['`id`', /only letters, digits/],
      ['ubuntu && id', /only letters, digits/],
      ['ubuntu\nid', /only letters, digits/],
      ['--privileged', /starts with "-"/],
      ['-v/:/host', /starts with "-"/],
      ['Ubuntu', /not a valid image name component/],
      ['ubuntu:', /not an image tag/],
      ['ubuntu:bad:tag', /not a valid image name component/],
      ['ubuntu@sha256:xyz', /not an image digest/],
      ['a#b#c', /more than one "#"/],
      ['user@nvcr.io#nvidia/pytorch', /credentials/],
      ['bad-.host/x', /not a registry host name/],
      ['reg..io#x', /not a registry host name/],
      ['x//y', /not a valid image name component/],
      ['', /empty/],
      [`a${'b'.repeat(600)}`, /longer than/],
    ];
    for (const [raw, why] of bad) {
      const r = parseImageRef(raw);
      expect(r, raw).toHaveProperty('error');
      expect((r as { error: string }).error, raw).toMatch(why);
    }
    expect(ContainerImage.safeParse('ubuntu;id').error?.issues[0]?.message).toMatch(/only letters, digits/);
  });

  it('pulls only from the registries the site lists, never for local or short names', () => {
    const allowed = ['registry.lab.example:5000', 'nvcr.io'];
    expect(mayPull('registry.lab.example:5000/ml/jax:0.4', allowed)).toBe(true);
    expect(mayPull('NVCR.io/nvidia/pytorch:24.01-py3', allowed)).toBe(true);
    expect(mayPull('docker.io/library/ubuntu:22.04', allowed)).toBe(false);
    expect(mayPull('ubuntu:22.04', allowed)).toBe(false);
    expect(mayPull('localhost/pytorch', ['localhost'])).toBe(false);
    expect(mayPull('registry.lab.example:5000/ml/jax', [])).toBe(false);
  });
});
