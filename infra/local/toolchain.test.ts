import { describe, expect, it } from 'vitest';
import { goVersion, javaFeatureVersion } from './toolchain.js';

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
