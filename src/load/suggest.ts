// "did you mean" for misspelt names: a plain Levenshtein distance, compared case-insensitively so
// `qr_code` finds QR_CODE; candidate lists are small (field names, catalog ids, store names).

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate within a third of the input's length (at least 1 edit), or one the input
 * abbreviates (PERCENT for PERCENTAGE), if any.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const x = input.toLowerCase();
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const y = c.toLowerCase();
    const d = x.length >= 3 && y.startsWith(x) ? 1 : editDistance(x, y);
    if (d <= limit && (d < bestD || (d === bestD && best !== undefined && c < best))) {
      best = c;
      bestD = d;
    }
  }
  return best === input ? undefined : best;
}

/** `; did you mean "x"?` or ''. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const c = closest(input, candidates);
  return c === undefined ? '' : `; did you mean "${c}"?`;
}
