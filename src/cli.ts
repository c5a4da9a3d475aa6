#!/usr/bin/env node
import { runCommand } from './commands.js';

runCommand(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then((code) => {
  if (code > 0) process.exit(code);
  if (code === 0) process.exitCode = 0;
});
