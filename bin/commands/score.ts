import { Command } from 'commander';

// Placeholder until the sentiment engine lands (issue 4).
export function scoreCommand(): Command {
  return new Command('score').description('score text lines from stdin with VADER and print JSON lines').action(() => {
    process.stderr.write('sentiment score: not built yet\n');
    process.exitCode = 1;
  });
}
