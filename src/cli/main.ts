// `xdpfw <sub-command>`: dispatch to the sub-commands below. Adding one is one line in
// SUB_COMMANDS; each handles its own flags with util.parseArgs (see command.ts).

import { checkCommand } from './check';
import { runCommand } from './run';
import { applyCommand } from './apply';
import { statsCommand } from './stats';
import { statusCommand } from './status';
import { explainCommand } from './explain';
import { detachCli } from './detach';
import { EXIT, UsageError, type SubCommand } from './command';

export const SUB_COMMANDS: readonly SubCommand[] = [
  checkCommand,
  runCommand,
  applyCommand,
  statsCommand,
  statusCommand,
  explainCommand,
  detachCli,
];

function overview(): string {
  const width = Math.max(...SUB_COMMANDS.map((c) => c.name.length));
  const list = SUB_COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: xdpfw <command> [options]\n\nCommands:\n${list}\n\nRun "xdpfw <command> --help" for a command's options.`;
}

/** Whether the arguments ask for help (before any `--`, after which everything is an operand). */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Runs the CLI with the arguments after `xdpfw`; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const out = name === undefined ? process.stderr : process.stdout;
    out.write(overview() + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = SUB_COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`xdpfw: unknown command "${name}"\n\n${overview()}\n`);
    return EXIT.usage;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(command.usage + '\n');
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`xdpfw ${command.name}: ${err.message}\n\n${command.usage}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`xdpfw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
