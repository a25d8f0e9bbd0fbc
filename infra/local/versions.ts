/**
 * Exact pins of the servers infra/local runs. Each pin is part of its cache path, so changing one
 * fetches or builds the new version next to the old instead of mixing them.
 */

/** Apache Kafka from Maven Central (org.apache.kafka:kafka_2.13); 4.x runs KRaft only and needs Java 17. */
export const KAFKA_VERSION = '4.1.2';

/** Apache Cassandra from Maven Central (org.apache.cassandra:cassandra-all); Java 11 or 17 only. */
export const CASSANDRA_VERSION = '5.0.9';

/**
 * MinIO, built from source with `go install`. MinIO's RELEASE.* tags are not semantic versions, so
 * the Go module proxy serves the module only as a pseudo-version: this one is the last commit of
 * github.com/minio/minio (2026-02-12), after the final RELEASE.2025-10-15T17-29-55Z tag.
 */
export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

/** The Java feature release both JVM servers run on (Kafka 4 needs >= 17, Cassandra 5.0 <= 17). */
export const JAVA_FEATURE_VERSION = 17;

/** MinIO's go.mod says `go 1.24.0`; an older Go would have to download a toolchain first. */
export const MIN_GO_VERSION = [1, 24] as const;
