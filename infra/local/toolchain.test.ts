import { afterEach, describe, expect, it, vi } from 'vitest';
import { goVersion, javaFeatureVersion, MissingToolError, requireGo, requireMaven } from './toolchain.js';

describe('toolchain version parsing', () => {
  it('reads the Java feature release from a -version banner', () => {
    expect(javaFeatureVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(javaFeatureVersion('openjdk version "25" 2025-09-16')).toBe(25);
    expect(javaFeatureVersion('java version "1.8.0_392"')).toBe(8);
    expect(javaFeatureVersion('command not found')).toBeUndefined();
  });

  it('reads the Go release', () => {
    expect(goVersion('go version go1.26.8 linux/amd64')).toEqual([1, 26]);
    expect(goVersion('go version go1.24rc1 darwin/arm64')).toEqual([1, 24]);
    expect(goVersion('nonsense')).toBeUndefined();
  });
});

describe('missing tools', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('says what to install when Maven or Go is not on PATH', async () => {
    vi.stubEnv('PATH', '/nonexistent');
    await expect(requireMaven()).rejects.toThrow(MissingToolError);
    await expect(requireMaven()).rejects.toThrow(/needs Maven 3\.6\+.*apt-get install maven/);
    await expect(requireGo()).rejects.toThrow(
      /needs Go 1\.24 or newer: install it from https:\/\/go\.dev\/dl\//,
    );
  });
});
