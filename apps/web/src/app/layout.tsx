import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { AppShell } from '../ui/app-shell';
import { Providers } from '../ui/providers';
import './globals.css';

export const metadata: Metadata = {
  title: 'Sluice',
  description: 'GPU cluster portal: jobs, interactive sessions and nodes.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <AppShell>{children}</AppShell>
        </Providers>
      </body>
    </html>
  );
}
