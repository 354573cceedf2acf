'use client';

import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { errorMessage } from './errors';
import { useTRPCClient } from './trpc';

/**
 * A job's output, followed live: reads from the last offset, appends, and continues from `next`.
 * Stops once the job is final and the file has stopped growing. Sticks to the bottom unless the
 * reader has scrolled up.
 */
export function JobLog({ id, final }: { id: string; final: boolean }) {
  const client = useTRPCClient();
  const [text, setText] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const offset = useRef(0);
  const finalRef = useRef(final);
  const stick = useRef(true);
  const pre = useRef<HTMLPreElement>(null);
  finalRef.current = final;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `final` restarts the loop at once when the job ends
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let quietAfterFinal = 0;
    const tick = async () => {
      const wasFinal = finalRef.current; // read before the request: output written before the end is included
      try {
        const r = await client.jobs.logs.query({ id, offset: offset.current });
        if (stopped) return;
        setError(null);
        if (r.next > offset.current) {
          offset.current = r.next;
          setText((t) => t + r.text);
        }
        if (r.next < r.size) {
          timer = setTimeout(tick, 0);
          return;
        }
        // Output may still be arriving just after the job ends: stop after a few quiet reads.
        quietAfterFinal = wasFinal && r.text === '' ? quietAfterFinal + 1 : 0;
        if (quietAfterFinal >= 3) {
          setDone(true);
          return;
        }
      } catch (err) {
        if (stopped) return;
        setError(errorMessage(err));
      }
      timer = setTimeout(tick, 1000);
    };
    setDone(false);
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, id, final]);

  useLayoutEffect(() => {
    const el = pre.current;
    if (el && stick.current && text) el.scrollTop = el.scrollHeight;
  }, [text]);

  const onScroll = () => {
    const el = pre.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };

  return (
    <section className="card">
      <div className="card-head">
        <h2>Output</h2>
        <span className="muted small">{done ? 'complete' : 'following…'}</span>
      </div>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      <pre className="log" data-testid="job-log" ref={pre} onScroll={onScroll}>
        {text}
      </pre>
      {done && !text && <p className="muted small">(no output)</p>}
    </section>
  );
}
