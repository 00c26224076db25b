import { Command } from 'commander';
import { serveCommand } from './serve.js';
import { checkCommand } from './check.js';

const program = new Command();
program.name('pbx').description('Multi-tenant IP PBX').showHelpAfterError();

program
  .command('serve')
  .description('run the PBX: apply the tenant files, then serve SIP until SIGTERM/SIGINT (SIGHUP reloads)')
  .option('-c, --config <file>', 'the pbx.yaml to use', 'config/pbx.yaml')
  .action(async (opts: { config: string }) => {
    process.exitCode = await serveCommand(opts.config);
  });

program
  .command('check')
  .description('validate pbx.yaml and every tenant file without starting anything')
  .option('-c, --config <file>', 'the pbx.yaml to check', 'config/pbx.yaml')
  .action((opts: { config: string }) => {
    process.exitCode = checkCommand(opts.config);
  });

await program.parseAsync(process.argv);
