/**
 * Files named in the Prometheus client config: a secret re-read when it changes (projected
 * service-account tokens and mounted Secrets rotate by swapping a symlink), and one-shot reads
 * of TLS material. One `stat` per use is far cheaper than the HTTP request it guards, and it
 * makes a rotated token visible on the very next request.
 */
import { readFile, stat } from "node:fs/promises";

/** A file named in the config (token, password, TLS material) could not be read. */
export class ConfigFileError extends Error {
  override readonly name = "ConfigFileError";
}

/** Reads a file named by config option `what`; failures say which option and path. */
export async function readConfiguredFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw configFileError(path, what, err);
  }
}

export class FileCache {
  private signature: string | undefined;
  private content: string | undefined;
  private pending: Promise<string> | undefined;

  /** @param what names the config option, e.g. "prometheus.bearerTokenFile". */
  constructor(
    readonly path: string,
    readonly what: string,
  ) {}

  /** The file's content with surrounding whitespace trimmed, as Prometheus does for secret files. */
  read(): Promise<string> {
    // Concurrent callers share one stat/read.
    this.pending ??= this.load().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async load(): Promise<string> {
    let signature: string;
    try {
      const info = await stat(this.path);
      // mtime alone can miss two writes within the clock's resolution; size and inode catch most of those.
      signature = `${info.mtimeMs}:${info.size}:${info.ino}`;
    } catch (err) {
      throw configFileError(this.path, this.what, err);
    }
    if (signature !== this.signature || this.content === undefined) {
      this.content = (await readConfiguredFile(this.path, this.what)).trim();
      this.signature = signature;
    }
    return this.content;
  }
}

function configFileError(path: string, what: string, cause: unknown): ConfigFileError {
  return new ConfigFileError(
    `cannot read ${what} "${path}": ${(cause as Error).message}; check that the file is mounted and readable`,
    { cause },
  );
}
