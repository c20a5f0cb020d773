// The one order of names in everything the tool prints and digests. String#localeCompare sorts by
// the machine's locale (a plan made on a laptop and in CI could list, and hash, in two orders)
// and its first call loads an ICU collator, ~7 ms of every start-up. This order is the same
// everywhere: case-insensitive first, so "OVO" sits beside "ovo" as a reader expects,
// then by code unit, so no two different names compare equal.

export function compareText(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
