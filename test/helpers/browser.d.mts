export declare const DEBIAN_CHROMIUM: string;
export declare const HEADLESS_ARGS: string[];
/** Debian's chromium, else the one inside @sparticuz/chromium (unpacked once per version); throws when neither exists. */
export declare function chromiumLaunchOptions(): Promise<{ executablePath: string; headless: true; args: string[] }>;
