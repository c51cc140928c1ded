/** The OSV parser thread (src/vulndb/parse-worker.ts) bundled as one CommonJS script. */
export function osvParserSource(): Promise<string>;
