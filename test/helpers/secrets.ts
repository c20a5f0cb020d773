// Shared by the secret-store unit tests.
import { expect } from 'vitest';
import { ExitError } from '../../src/diagnostics.js';
import { resolveSecrets } from '../../src/secrets/resolver.js';
import type { SecretStore } from '../../src/secrets/store.js';
import { capture } from './cli.js';

/** The resolver's messages for refs that must fail; captured as `label`, so the canary scan sees them too. */
export function resolveFailures(label: string) {
  return async (refs: Parameters<typeof resolveSecrets>[0], stores: Map<string, SecretStore>): Promise<string[]> => {
    const err = await resolveSecrets(refs, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    const messages = (err as ExitError).diagnostics.map((d) => d.message);
    await capture(label, messages.join('\n'));
    return messages;
  };
}
