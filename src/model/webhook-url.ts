// The one rule for a webhook URL (SPEC 3b): https, or http to a loopback address where allowed
// (the sandbox), no credentials in it, at most 2048 characters. Shared by the Webhooks kind and
// the sandbox's PUT /v1/webhooks.

export const MAX_WEBHOOK_URL = 2048;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** True for the hosts the sandbox delivers to and accepts http for. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/** Why `url` cannot be a webhook URL, or undefined when it can. */
export function webhookUrlProblem(url: string, opts: { allowLoopbackHttp: boolean }): string | undefined {
  if (url.length > MAX_WEBHOOK_URL) return `must be at most ${MAX_WEBHOOK_URL} characters (got ${url.length})`;
  // The URL parser silently drops tabs and newlines and trims spaces: what is stored must be what was written.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u0020\u007f-\u009f]/u.test(url)) return 'must not contain spaces or control characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL, such as https://api.example.co.id/paystrator/va';
  }
  // A URL with credentials would put them in every delivery's logs and in git.
  if (parsed.username || parsed.password) return 'must not hold a user name or password (user:pass@): authenticate deliveries by their signature';
  if (parsed.protocol === 'https:') return parsed.hostname ? undefined : 'must name a host';
  if (parsed.protocol === 'http:') {
    if (opts.allowLoopbackHttp && isLoopbackHost(parsed.hostname)) return undefined;
    return opts.allowLoopbackHttp ? 'must be https (http only to 127.0.0.1, [::1] or localhost in the sandbox)' : 'must be https';
  }
  return `must be https (got ${parsed.protocol.replace(/:$/, '')})`;
}
