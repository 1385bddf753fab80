import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Acme (Next.js + Passki)',
  description: 'An app with its own accounts, adding passkeys through Passki',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <main className="card">
          <p className="brand">Acme</p>
          {children}
        </main>
      </body>
    </html>
  );
}
