// The options every command takes. Apart from main.ts so that the commands, which main.ts
// imports, do not import main.ts back.
export interface GlobalOptions {
  /** The one environment given; reading it when --env was repeated is an error (see main.ts). */
  env?: string;
  /** Every --env given, in order. */
  envs: string[];
  config: string;
  color: boolean;
}
