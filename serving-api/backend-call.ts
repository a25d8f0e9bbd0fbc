/**
 * Every backend request the API makes goes through here: bounded by a deadline, so a backend that
 * hangs yields a 503 naming it instead of a request that never ends, and counted when it fails.
 * The request itself is not cancelled (the ports have no cancellation); its late answer is dropped.
 */
import { BackendUnavailableError } from './errors.js';

export interface BackendCallOptions {
  timeoutMs: number;
  /** Called once per failed or timed-out request, with the backend's label. */
  onError?: (backend: string) => void;
}

export type BackendCall = <T>(backend: string, request: () => Promise<T>) => Promise<T>;

export function backendCall({ timeoutMs, onError }: BackendCallOptions): BackendCall {
  return async <T>(backend: string, request: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BackendUnavailableError(backend, `no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const answer = Promise.resolve().then(request);
    answer.catch(() => undefined);
    try {
      return await Promise.race([answer, deadline]);
    } catch (error) {
      onError?.(backend);
      if (error instanceof BackendUnavailableError) throw error;
      throw new BackendUnavailableError(backend, (error as Error)?.message ?? String(error), {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  };
}
