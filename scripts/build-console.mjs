// Builds the web console (web/console) into dist/console: one JS bundle and one CSS file
// (esbuild, no CDN at run time, no inline script or style), and index.html. Run by
// `npm run build:console`, and by `prepare` after tsc so `npm ci` leaves a servable console.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'web', 'console');
const out = join(root, 'dist', 'console');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(src, 'main.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: process.env.CONSOLE_DEV !== '1',
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  loader: { '.css': 'css' },
});
copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
copyFileSync(join(src, 'favicon.svg'), join(out, 'favicon.svg'));
console.log(`console built into ${out}`);
