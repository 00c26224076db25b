import { Command } from 'commander';
import { serveCommand } from './serve.js';
import { checkCommand } from './check.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerDataCommands } from './data-commands.js';

const program = new Command();
program.name('pbx').description('Multi-tenant IP PBX').showHelpAfterError();

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

registerDataCommands(program);
registerAdminCommands(program);

await program.parseAsync(process.argv);
