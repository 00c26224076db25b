import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { serveCommand } from './serve.js';
import { checkCommand } from './check.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerDataCommands } from './data-commands.js';
import { registerClusterCommands } from './cluster-commands.js';
import { usageExit } from './admin-target.js';
import { webPasswordHashCommand } from './web-password-hash.js';

// src/cli/main.ts and dist/cli/main.js alike sit two folders below package.json.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program.name('pbx').description('Multi-tenant IP PBX').version(version, '-V, --version', 'print the version of pbx').showHelpAfterError();

program
  .command('serve')
  .description('run the PBX: apply the tenant files, then serve SIP until SIGTERM/SIGINT (SIGHUP reloads)')
  .option('-c, --config <file>', 'the pbx.yaml to use', 'config/pbx.yaml')
  .option('--pid-file <file>', 'where to write the process id while serving (default <dataDir>/pbx.pid)')
  .action(async (opts: { config: string; pidFile?: string }) => {
    process.exitCode = await serveCommand(opts.config, opts.pidFile !== undefined ? { pidFile: opts.pidFile } : {});
  });

program
  .command('check')
  .description('validate pbx.yaml and every tenant file without starting anything')
  .option('-c, --config <file>', 'the pbx.yaml to check', 'config/pbx.yaml')
  .action((opts: { config: string }) => {
    process.exitCode = checkCommand(opts.config);
  });

program
  .command('web-password-hash')
  .description('print the scrypt hash of a console password read from stdin (for console.providers in pbx.yaml or webPassword in a tenant file)')
  .action(async () => {
    process.exitCode = await webPasswordHashCommand(process.stdin, (l) => process.stdout.write(l + '\n'), (l) => process.stderr.write(l + '\n'));
  });

registerDataCommands(program);
registerAdminCommands(program);
registerClusterCommands(program);

/** Every usage error (unknown command or option, missing argument, bad value), on every command, exits 2. */
function exitTwoOnUsageErrors(cmd: Command): void {
  usageExit(cmd);
  for (const sub of cmd.commands) exitTwoOnUsageErrors(sub);
}
exitTwoOnUsageErrors(program);

await program.parseAsync(process.argv);
