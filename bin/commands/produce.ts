import { Command } from 'commander';

// Placeholder until the producers land (issue 5).
export function produceCommand(): Command {
  return new Command('produce').description('publish synthetic or replayed tweets and price ticks').action(() => {
    process.stderr.write('sentiment produce: not built yet\n');
    process.exitCode = 1;
  });
}
