/**
 * `npm run build` (run by `prepack`): compiles `src/` to JavaScript and declarations in `dist/`, for the published
 * package. Node refuses to strip types under `node_modules`, so an installed cachet must run built JS; the
 * repository itself keeps running the `.ts` sources directly.
 *
 * tsc rewrites relative `.ts` specifiers to `.js` in the emitted JS (`rewriteRelativeImportExtensions`) but keeps
 * them in declarations; they are rewritten here so a consumer's TypeScript resolves them without extra options.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

// Files the sources read at run time (the admin dashboard's page, script and style) ship beside the built JS.
const src = join(root, 'src');
for (const file of listFiles(src)) if (!file.endsWith('.ts')) cpSync(file, join(dist, relative(src, file)));

/** `from './x.ts'`, `import('./x.ts')`, `import './x.ts'`: relative specifiers only. */
const RELATIVE_TS_SPECIFIER = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;

for (const file of listFiles(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(RELATIVE_TS_SPECIFIER, '$1$2.js$3');
  if (rewritten !== text) writeFileSync(file, rewritten);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}
