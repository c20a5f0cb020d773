// Filled in by the canary check: see test/canary.ts.
export default function setup(): void {}
