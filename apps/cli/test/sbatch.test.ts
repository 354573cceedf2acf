import { describe, expect, it } from 'vitest';
import { parseDependency, parseSbatch, parseSlurmTime } from '../src/sbatch';

describe('#SBATCH scripts', () => {
  it('reads name, time and GPUs the way Slurm does', () => {
    const script = ['#!/bin/bash', '#SBATCH --job-name=train-resnet', '#SBATCH -t 1:30:00', '#SBATCH --gres=gpu:a100:2', '#SBATCH --mem=32G', 'python train.py'].join('\n');
    expect(parseSbatch(script)).toEqual({ name: 'train-resnet', timeLimitMinutes: 90, gpus: 2, ignored: ['--mem=32G'] });
  });

  it('understands every Slurm time format', () => {
    expect(parseSlurmTime('90')).toBe(90);
    expect(parseSlurmTime('10:30')).toBe(11);
    expect(parseSlurmTime('2:00:00')).toBe(120);
    expect(parseSlurmTime('1-12')).toBe(36 * 60);
    expect(parseSlurmTime('1-00:30')).toBe(24 * 60 + 30);
    expect(parseSlurmTime('0-00:00:30')).toBe(1);
    expect(() => parseSlurmTime('soon')).toThrow(/--time/);
  });

  it('takes --gpus and a bare gpu gres', () => {
    expect(parseSbatch('#SBATCH --gpus=4').gpus).toBe(4);
    expect(parseSbatch('#SBATCH --gres=gpu').gpus).toBe(1);
    expect(parseSbatch('echo no directives')).toEqual({ ignored: [] });
  });

  it('reads account, QOS, partition (as the pool) and afterok dependencies', () => {
    const script = ['#SBATCH --account=lab-a', '#SBATCH -q scavenger', '#SBATCH --partition=a100', '#SBATCH --dependency=afterok:12:13', '#SBATCH -d afterok:14'].join('\n');
    expect(parseSbatch(script)).toEqual({ account: 'lab-a', qos: 'scavenger', pool: 'a100', dependsOn: ['12', '13', '14'], ignored: [] });
    expect(parseSbatch('#SBATCH -A lab-b -p gpu').account).toBe('lab-b');
  });

  it("reads pyxis's --container-image, in both of its forms", () => {
    expect(parseSbatch('#SBATCH --container-image=nvcr.io#nvidia/pytorch:24.01-py3\n#SBATCH --gpus=1').image).toBe('nvcr.io#nvidia/pytorch:24.01-py3');
    expect(parseSbatch('#SBATCH --container-image localhost/jax:0.4').image).toBe('localhost/jax:0.4');
    expect(parseSbatch('#SBATCH --container-mounts=/data:/data').ignored).toEqual(['--container-mounts=/data:/data']);
  });

  it('refuses dependency kinds it would get wrong', () => {
    expect(parseDependency('afterok:7,afterok:8')).toEqual(['7', '8']);
    expect(() => parseDependency('afterany:7')).toThrow(/--dependency: "afterany:7" is not supported/);
    expect(() => parseDependency('afterok:x')).toThrow(/not supported/);
    expect(() => parseSbatch('#SBATCH --dependency=singleton')).toThrow(/--dependency/);
  });
});
