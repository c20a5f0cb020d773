// Flags shared by the commands that talk to GitHub. Each has a default from the GitHub Actions
// environment (GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_TOKEN), so a workflow passes none.
import type { Command } from 'commander';
import { integerFlag } from './numbers.js';

const prNumber = integerFlag('--github-pr', 1, Number.MAX_SAFE_INTEGER, 'a pull request number');

export function withGitHubOptions(cmd: Command): Command {
  return cmd
    .option('--github-repo <owner/name>', 'GitHub repository (default: GITHUB_REPOSITORY)')
    .option('--github-pr <number>', 'pull request to comment on (default: from GITHUB_EVENT_PATH)', prNumber)
    .option('--github-token-env <name>', 'environment variable holding the GitHub token (default: GITHUB_TOKEN)');
}
