/** Providers changed at once: past ~10 concurrent requests a 2-core client or API gains nothing. */
export const DEFAULT_PARALLELISM = 8;
