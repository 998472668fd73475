/**
 * The `cachet` executable (bin/cachet.js imports this module). Everything testable lives in `cli.ts`.
 */
import { turnOffPretenuring } from '../server/pretenuring.ts';
import { runCli } from './cli.ts';

turnOffPretenuring();

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
process.exitCode = code;
// Once the gateway has drained nothing should hold the event loop; if a stray handle does, still exit.
setTimeout(() => process.exit(code), 2000).unref();
