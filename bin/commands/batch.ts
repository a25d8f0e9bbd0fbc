import { Command } from 'commander';

export function batchCommand(): Command {
  return new Command('batch')
    .description('recompute the gold tables from bronze, now or on BATCH_CRON')
    .action(() => {
      process.stderr.write('sentiment batch: the batch layer is not built yet (see the open issues)\n');
      process.exitCode = 1;
    });
}
