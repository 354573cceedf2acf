'use client';

import '@xterm/xterm/css/xterm.css';
import { useParams } from 'next/navigation';
import { TerminalPage } from '../../../../ui/terminal-page';

export default function SessionTerminalPage() {
  const { id } = useParams<{ id: string }>();
  return <TerminalPage key={id} id={decodeURIComponent(id)} />;
}
