import { Command } from 'commander';

// Placeholder until real infrastructure lands (issue 3).
export function infraCommand(): Command {
  return new Command('infra').description('start, stop and inspect local Kafka, Cassandra and MinIO').action(() => {
    process.stderr.write('sentiment infra: not built yet\n');
    process.exitCode = 1;
  });
}
