import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls a config file's content. Polling rather than fs.watch: a Kubernetes ConfigMap volume
 * updates by swapping a symlink (`..data`), which inode watches miss, and a few reads a minute
 * cost nothing. `check()` forces a look now (SIGHUP).
 */
export class ConfigFileWatcher {
  private last: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  /** `settleMs`: how long a changed content must read the same before it is applied (see check); `read` reads the file. */
  constructor(
    private readonly file: string,
    private readonly onChange: (text: string) => void,
    private readonly onError: (err: Error) => void,
    private readonly settleMs = 100,
    private readonly read: (file: string) => Promise<string> = (f) => readFile(f, 'utf8'),
  ) {}

  /** `initial` is the text the service started with, so the first poll does not reload it. */
  start(intervalMs: number, initial: string | undefined): void {
    this.last = initial;
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      let text = await this.read(this.file);
      if (text === this.last) return;
      // A file caught while it is written in place (truncated, then written: `cat >`, `cp`, an
      // editor that does not rename) reads as a prefix of the new content, which can parse: a
      // policy with its last rules cut off, in force until the next poll. Only content that reads
      // the same twice, settleMs apart, is applied; a file still changing is left to the next poll.
      for (let attempt = 0; attempt < 3; attempt++) {
        await sleep(this.settleMs, undefined, { ref: false });
        const again = await this.read(this.file);
        if (again === text) {
          this.last = text;
          this.onChange(text);
          return;
        }
        text = again;
      }
    } catch (err) {
      this.onError(err as Error);
    } finally {
      this.checking = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
