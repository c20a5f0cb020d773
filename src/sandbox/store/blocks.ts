// Part of the domain's memory (the provider list), kept encoded for the state file's sake.
/**
 * A list encoded as JSON in blocks, re-encoding only blocks whose records changed: a commit with
 * 10,000 providers then costs a few blocks of JSON.stringify, not 10,000 of them plus a join.
 */
export class JsonBlocks<T> {
  private readonly cache: (Buffer | undefined)[] = [];
  constructor(
    readonly items: T[] = [],
    private readonly size = 256,
  ) {}

  push(item: T): number {
    this.items.push(item);
    this.changed(this.items.length - 1);
    return this.items.length - 1;
  }

  changed(index: number): void {
    this.cache[Math.floor(index / this.size)] = undefined;
  }

  private block(b: number): Buffer {
    const json = this.items.slice(b * this.size, (b + 1) * this.size).map((x) => JSON.stringify(x));
    return Buffer.from(`${b ? ',\n' : ''}${json.join(',\n')}`);
  }

  encode(): Buffer[] {
    const out: Buffer[] = [];
    for (let b = 0; b * this.size < this.items.length; b++) {
      out.push((this.cache[b] ??= this.block(b)));
    }
    return out;
  }
}
