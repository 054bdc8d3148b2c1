#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { EXIT } from './exit-codes.js';

const program = new Command();
program
  .name('faultline')
  .description('Distributed systems that keep working when the network, the clocks and the machines misbehave.')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version "fail" with exit code 0; usage errors are exit 2.
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  process.stderr.write(`faultline: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT.usage);
}
