// Per-worker setup for the projects of majors 16–18 (vitest.config.ts): the test server's bin
// directory (its server binaries, PostgreSQL 18's clients: test/helpers/pg-servers.ts) goes first
// on PATH, as an operator's installed tools would be. The CLI finds them there by itself
// (resolveBinDir falls back to PATH when no Debian directory fits), in-process and in every child
// a test spawns with PATH — nothing in src/ knows it runs under a test.
import path from 'node:path';
import { binDir, PG_MAJOR } from './helpers/pg.js';

if (PG_MAJOR !== 15) process.env.PATH = `${binDir()}${path.delimiter}${process.env.PATH ?? ''}`;
