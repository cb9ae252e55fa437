#!/usr/bin/env node
// Runs the TypeScript entry under tsx: dt-sql-parser's ESM build needs it
// (directory imports that plain Node rejects).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
