// One string per distinct value, for the fields that take few values over many providers (types,
// services, statuses, label values, the commit every provider was applied from). Neither the YAML
// nor the JSON parser shares equal strings: at 10,000 providers each of these was 10,000 copies of
// itself, several megabytes of a plan's peak memory.

/** A string that holds on to nothing else (see `own`). */
export type Owned = (s: string) => string;

/** The one string of this value (of the same type: an enum's value stays one). */
export type Intern = <T extends string>(s: T) => T;

/**
 * A copy of a string that does not hold on to the text it was parsed out of: V8 keeps a substring
 * of 13 or more characters as a pointer into its parent, so one kept name could keep a whole file.
 */
export function own(s: string): string {
  // Shorter ones are copied anyway. JSON.parse makes a flat string of its own, where a slice of a
  // copy would be a second object pointing into that copy.
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/**
 * For one run's worth of values: the first of each is kept (through `copy`, so it holds on to
 * nothing else), later equal ones are given it instead. Made per load or read, so a process that
 * lives long does not keep every value it ever saw.
 */
export function interner(copy: Owned = (s) => s): Intern {
  const seen = new Map<string, string>();
  return <T extends string>(s: T): T => {
    let found = seen.get(s);
    if (found === undefined) seen.set((found = copy(s)), found);
    // Equal to s, so of its type.
    return found as T;
  };
}
