/**
 * MinIO, one drive, built from source with `go install` (the community edition ships no binaries
 * any more). Ready when /minio/health/cluster answers 200, which, unlike /minio/health/ready, is
 * only once the object layer is up; then the lake bucket is created if missing.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ensureMinio } from './artifact-cache.js';
import type { ServerDefinition } from './server-definition.js';
import { HOST, type InfraSettings } from './settings.js';

export function minioServer(settings: InfraSettings): ServerDefinition {
  const dir = join(settings.dataDir, 'minio');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'minio.log');
  const { port, consolePort, rootUser, rootPassword, bucket, region } = settings.minio;
  const endpoint = `http://${HOST}:${port}`;

  return {
    name: 'minio',
    endpoint,
    dir,
    logFile,
    pidFile: join(dir, 'minio.pid'),
    marker: dataDir,
    ports: [port, consolePort],
    readyTimeoutMs: 60_000,
    stopGraceMs: 15_000,

    async prepare(log) {
      const binary = await ensureMinio(settings, log);
      mkdirSync(dataDir, { recursive: true });
      return {
        command: binary,
        args: [
          'server',
          dataDir,
          '--address',
          `${HOST}:${port}`,
          '--console-address',
          `${HOST}:${consolePort}`,
        ],
        env: {
          MINIO_ROOT_USER: rootUser,
          MINIO_ROOT_PASSWORD: rootPassword,
          MINIO_BROWSER: 'off',
          // No update checks or phoning home from a development server.
          MINIO_UPDATE: 'off',
          MINIO_CALLHOME_ENABLE: 'off',
          MINIO_REGION: region,
        },
        cwd: dir,
      };
    },

    async probe() {
      try {
        const response = await fetch(`${endpoint}/minio/health/cluster`, {
          signal: AbortSignal.timeout(2_000),
        });
        await response.body?.cancel();
        return response.status === 200;
      } catch {
        return false;
      }
    },

    async afterReady() {
      const s3 = new S3Client({
        endpoint,
        region,
        forcePathStyle: true,
        credentials: { accessKeyId: rootUser, secretAccessKey: rootPassword },
        // Checksums only where S3 requires them: some S3-compatible stores reject the SDK's
        // default CRC32 headers (since 3.729).
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch {
        await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: Error) => {
          if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
        });
      } finally {
        s3.destroy();
      }
    },
  };
}
