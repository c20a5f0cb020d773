// Suite-wide secrecy check (SPEC 6): every test that resolves secrets uses these random canary
// values, every CLI run and HTTP log the tests make is captured under test/.tmp, and after the
// whole suite this scans all of it (output, plan files, reports, sandbox state and logs) and fails
// the run if a canary appears anywhere. Besides secret values there is a canary Paystrator API key
// and a canary GitHub token, shaped like real ones, for tests against servers that accept them
// (the sandbox's own keys are public: printed by `sandbox`, in its state file and in the docs),
// and dynamic canaries tests register once they exist (new API key values, webhook tokens).
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { scanForCanaries } from './helpers/canary-scan.js';
import { TMP_ROOT } from './helpers/paths.js';
import { ageFixtureCanaries } from './servers/age.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Canary secret values. */
    canaries: string[];
    /** A Paystrator API key no output may show. */
    apiKeyCanary: string;
    /** A GitHub token no output may show. */
    githubTokenCanary: string;
    runDir: string;
  }
}

export default async function setup(project: TestProject) {
  // One folder per run, so concurrent runs never wipe each other's files.
  const runDir = path.join(TMP_ROOT, `run-${Date.now()}-${process.pid}`);
  await mkdir(runDir, { recursive: true });
  project.provide('runDir', runDir);
  // Four random values per run, then the committed age fixtures' secrets and identities (random
  // once, when scripts/make-age-fixtures.sh made them): fixed, but known to the scan all the same.
  const secrets = [...Array.from({ length: 4 }, () => `canary-${randomBytes(12).toString('hex')}`), ...ageFixtureCanaries()];
  const apiKeyCanary = `psk_live_canary${randomBytes(12).toString('hex')}`;
  const githubTokenCanary = `ghp_canary${randomBytes(15).toString('hex')}`;
  project.provide('canaries', secrets);
  project.provide('apiKeyCanary', apiKeyCanary);
  project.provide('githubTokenCanary', githubTokenCanary);
  const canaries = [...secrets, apiKeyCanary, githubTokenCanary];

  return async function teardown() {
    const { scanned, leaks } = await scanForCanaries(runDir, canaries);
    // vitest reports an error thrown here but still exits 0, so set the exit code as well.
    const fail = (message: string) => {
      process.exitCode = 1;
      throw new Error(message);
    };
    // `npm test` sets this, so the whole suite can never pass with a check that scanned nothing;
    // a focused run of a few unit tests may legitimately capture nothing.
    if (scanned === 0 && process.env.PAYSTRATOR_REQUIRE_CANARY_SCAN) fail('canary check: no captured output was found to scan');
    if (leaks.length) fail(`SECRET LEAK: canary values found in test output:\n${leaks.join('\n')}`);
    console.log(`canary check: ${scanned} captured files scanned, no secret found`);
    await rm(runDir, { recursive: true, force: true });
  };
}
