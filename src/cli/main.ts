#!/usr/bin/env node
/** trt-landmarker CLI: dispatches to src/cli/commands/<name>.ts, each exporting `usage` and `run(argv)`. */
import { EXIT_CANNOT_RUN, EXIT_OK } from './exit-codes';
import { runAsMain } from './run-main';

interface Command {
  usage: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, () => Command> = {
  detect: () => require('./commands/detect') as Command,
  info: () => require('./commands/info') as Command,
  eval: () => require('./commands/eval') as Command,
  webcam: () => require('./commands/webcam') as Command,
  build: () => require('./commands/build') as Command,
  worker: () => require('./commands/worker') as Command,
  submit: () => require('./commands/submit') as Command,
};

function help(): string {
  const lines = ['Usage: trt-landmarker <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      lines.push('  ' + load().usage.split('\n')[0]);
    } catch {
      lines.push(`  ${name}`);
    }
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name ? EXIT_OK : EXIT_CANNOT_RUN;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`Unknown command "${name}"\n\n${help()}\n`);
    return EXIT_CANNOT_RUN;
  }
  const command = load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage + '\n');
    return 0;
  }
  return command.run(rest);
}

if (require.main === module) runAsMain('trt-landmarker', main);
