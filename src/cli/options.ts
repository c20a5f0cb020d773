// The options every command takes. Apart from main.ts so that the commands, which main.ts
// imports, do not import main.ts back.
export interface GlobalOptions {
  env?: string;
  config: string;
  color: boolean;
}
