'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { errorMessage } from './errors';
import { formatMinutes } from './format';
import { useTRPC } from './trpc';

/** "" becomes null so the server names the empty field instead of silently using a default. */
const num = (s: string): number | null => (s.trim() === '' ? null : Number(s));

const PLACEHOLDER = `#!/bin/bash
nvidia-smi
python train.py --epochs 10`;

export function JobSubmitForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [command, setCommand] = useState('');
  const [gpus, setGpus] = useState('1');
  const [minutes, setMinutes] = useState('60');
  const [name, setName] = useState('');
  const [account, setAccount] = useState('');
  const [qos, setQos] = useState('');
  const [gpuModel, setGpuModel] = useState('');
  const [pool, setPool] = useState('');
  const [image, setImage] = useState('');
  const accounts = useQuery(trpc.accounts.mine.queryOptions());
  const qosList = useQuery(trpc.qos.list.queryOptions());
  const nodes = useQuery(trpc.cluster.nodes.queryOptions());
  const models = [...new Set((nodes.data ?? []).flatMap((n) => n.gpus.map((g) => g.model)))].sort();
  const submit = useMutation(
    trpc.jobs.submit.mutationOptions({
      onSuccess: (job) => {
        void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey() });
        router.push(`/jobs/${job.id}`);
      },
    }),
  );

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const input: Record<string, unknown> = { command, gpus: num(gpus), timeLimitMinutes: num(minutes) };
    if (name.trim() !== '') input.name = name.trim();
    // Empty selects mean "the default": the server picks the default account and QOS.
    for (const [key, value] of Object.entries({ account, qos, gpuModel: gpuModel.trim(), pool: pool.trim(), image: image.trim() })) if (value !== '') input[key] = value;
    submit.mutate(input);
  };

  return (
    <form className="card form" onSubmit={onSubmit} noValidate>
      <div className="field">
        <label htmlFor="command">Command or script</label>
        <textarea
          id="command"
          name="command"
          className="mono"
          rows={10}
          spellCheck={false}
          placeholder={PLACEHOLDER}
          value={command}
          onChange={(e) => setCommand(e.target.value)}
        />
        <p className="hint">Runs under bash on the allocated node (under /bin/sh in a container image); may span several lines.</p>
      </div>
      <div className="field">
        <label htmlFor="image">Container image (optional)</label>
        <input id="image" name="image" className="mono" placeholder="e.g. localhost/pytorch:24.01" spellCheck={false} value={image} onChange={(e) => setImage(e.target.value)} />
        <p className="hint">Runs the command in this image with podman, as you, with your home directory and GPUs. From the nodes' local image store, or a registry your site allows.</p>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor="gpus">GPUs</label>
          <input id="gpus" name="gpus" type="number" min={0} step={1} inputMode="numeric" value={gpus} onChange={(e) => setGpus(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="time-limit">Time limit (minutes)</label>
          <input id="time-limit" name="timeLimitMinutes" type="number" min={1} step={1} inputMode="numeric" value={minutes} onChange={(e) => setMinutes(e.target.value)} />
        </div>
        <div className="field grow">
          <label htmlFor="job-name">Name (optional)</label>
          <input id="job-name" name="name" placeholder="e.g. resnet-sweep-3" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor="account">Account</label>
          <select id="account" name="account" value={account} onChange={(e) => setAccount(e.target.value)}>
            <option value="">{accounts.data ? `your default (${accounts.data.defaultAccount})` : 'your default'}</option>
            {accounts.data?.accounts.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="qos">QOS</label>
          <select id="qos" name="qos" value={qos} onChange={(e) => setQos(e.target.value)}>
            <option value="">default (batch)</option>
            {qosList.data?.map((q) => (
              <option key={q.name} value={q.name} title={q.description}>
                {q.name}
                {q.maxWallMinutes ? ` (max ${formatMinutes(q.maxWallMinutes)})` : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="gpu-model">GPU model (optional)</label>
          <input id="gpu-model" name="gpuModel" list="gpu-models" placeholder="any" value={gpuModel} onChange={(e) => setGpuModel(e.target.value)} />
          <datalist id="gpu-models">
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="pool">Pool (optional)</label>
          <input id="pool" name="pool" placeholder="any" value={pool} onChange={(e) => setPool(e.target.value)} />
        </div>
      </div>
      {submit.isError && (
        <p className="form-error" role="alert" data-testid="form-error">
          {errorMessage(submit.error)}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={submit.isPending || submit.isSuccess}>
          {submit.isPending ? 'Submitting…' : 'Submit'}
        </button>
      </div>
    </form>
  );
}
