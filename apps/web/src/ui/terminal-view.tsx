'use client';

import { useEffect, useRef, useState } from 'react';

type Status = { kind: 'connecting' } | { kind: 'connected' } | { kind: 'closed'; why: string };

const STATUS_TEXT = (s: Status): string => (s.kind === 'connecting' ? 'Connecting…' : s.kind === 'connected' ? 'Connected' : `Disconnected: ${s.why}`);

/**
 * xterm.js attached to a terminal session's shell: a same-origin WebSocket to /s/<id>/ws (the
 * portal's proxy checks the login cookie and adds the session token). Keystrokes go out as
 * {"type":"input"}, the window size as {"type":"resize"}; output comes back as text.
 */
export function TerminalView({ id }: { id: string }) {
  const [attempt, setAttempt] = useState(0);
  return <TerminalConnection key={attempt} id={id} reconnect={() => setAttempt((a) => a + 1)} />;
}

/** One connection; Reconnect mounts a fresh one. */
function TerminalConnection({ id, reconnect }: { id: string; reconnect: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>({ kind: 'connecting' });

  useEffect(() => {
    let disposed = false;
    const cleanups: Array<() => void> = [];
    void (async () => {
      // xterm touches the DOM when it loads: load it in the browser only.
      const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
      if (disposed || !box.current) return;
      const term = new Terminal({ cursorBlink: true, fontSize: 14, fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace', scrollback: 5000 });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(box.current);
      fit.fit();
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(`${scheme}://${window.location.host}/s/${encodeURIComponent(id)}/ws`);
      const send = (msg: object) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
      };
      ws.onopen = () => {
        setStatus({ kind: 'connected' });
        send({ type: 'resize', cols: term.cols, rows: term.rows });
        term.focus();
      };
      ws.onmessage = (e) => term.write(typeof e.data === 'string' ? e.data : '');
      ws.onclose = (e) => {
        if (disposed) return;
        setStatus({ kind: 'closed', why: e.reason || (e.code === 1006 ? 'the session is not reachable' : `code ${e.code}`) });
        term.write('\r\n\x1b[2m[disconnected]\x1b[0m\r\n');
      };
      const input = term.onData((data) => send({ type: 'input', data }));
      const resize = term.onResize(({ cols, rows }) => send({ type: 'resize', cols, rows }));
      const observer = new ResizeObserver(() => fit.fit());
      observer.observe(box.current);
      cleanups.push(() => {
        observer.disconnect();
        input.dispose();
        resize.dispose();
        ws.close();
        term.dispose();
      });
    })();
    return () => {
      disposed = true;
      for (const c of cleanups) c();
    };
  }, [id]);

  return (
    <div className="terminal-card">
      <div className="terminal-bar">
        <span className={`terminal-status terminal-${status.kind}`} data-testid="terminal-status" role="status">
          {STATUS_TEXT(status)}
        </span>
        {status.kind === 'closed' && (
          <button type="button" className="btn btn-small" onClick={reconnect}>
            Reconnect
          </button>
        )}
      </div>
      <div className="terminal-screen" ref={box} data-testid="terminal" />
    </div>
  );
}
