// Flags shared by the commands that talk to GitHub. Each has a default from the GitHub Actions
// environment (GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_TOKEN), so a workflow passes none.
import type { Command } from 'commander';
import { integerFlag } from './numbers.js';

const prNumber = integerFlag('--github-pr', 1, Number.MAX_SAFE_INTEGER, 'a pull request number');

/** `prNumber: false` for drift, whose --github-pr is the drift pull request, not a number. */
export function withGitHubOptions(cmd: Command, opts: { prNumber?: boolean } = {}): Command {
  cmd.option('--github-repo <owner/name>', 'GitHub repository (default: GITHUB_REPOSITORY)');
  if (opts.prNumber !== false) cmd.option('--github-pr <number>', 'pull request to comment on (default: from GITHUB_EVENT_PATH)', prNumber);
  return cmd
    .option('--github-token-env <name>', 'environment variable holding the GitHub token (default: GITHUB_TOKEN)');
}
