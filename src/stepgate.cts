#!/usr/bin/env node
/**
 * The Node side of the installed `stepgate` and `kubectl-stepgate` commands: package.json "bin"
 * is credential/fast-path.sh, which answers kubectl from the cache in sh and runs this file for
 * everything else, with the same arguments (kubeconfigs that name `node` and this file run it
 * directly).
 *
 * kubectl runs `stepgate credential …` before each command, and nearly always a cached token is
 * the answer. This file is CommonJS so that that answer is given before Node's ES-module loader,
 * node:crypto or any of the plugin's sign-in code is loaded (credential/cached.cts); everything
 * else, and every case the cache cannot settle alone, goes to cli.ts as before.
 */
import { answerFromCache, writeStdout } from './credential/cached.cjs';

function fromCache(argv: string[]): string | undefined {
  if (argv[0] !== 'credential') return undefined;
  try {
    return answerFromCache(argv.slice(1), { env: process.env, ppid: process.ppid, now: () => Math.floor(Date.now() / 1000) });
  } catch {
    // An unreadable cache directory and the like: the full path meets the same problem and says so.
    return undefined;
  }
}

const answer = fromCache(process.argv.slice(2));
if (answer === undefined) {
  void import('./cli.js');
} else {
  try {
    writeStdout(answer);
  } catch (err) {
    process.stderr.write(`stepgate: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
