import { describe, expect, it } from 'vitest';
import { parseSbatch, parseSlurmTime } from '../src/sbatch';

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
});
