#!/usr/bin/env node
// In a checkout, Node 24 runs the TypeScript sources directly (type stripping). An installed package has no
// `src/` (Node will not strip types under node_modules) and runs the JavaScript built into `dist/` instead.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/cli/main.js', import.meta.url).href);
