#!/usr/bin/env node
// The `antifraud` command: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../bot/cli/index.ts');
