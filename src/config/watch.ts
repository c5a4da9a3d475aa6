import { readFile } from 'node:fs/promises';

/**
 * Polls a config file's content. Polling rather than fs.watch: a Kubernetes ConfigMap volume
 * updates by swapping a symlink (`..data`), which inode watches miss, and a few reads a minute
 * cost nothing. `check()` forces a look now (SIGHUP).
 */
export class ConfigFileWatcher {
  private last: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly file: string,
    private readonly onChange: (text: string) => void,
    private readonly onError: (err: Error) => void,
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
      const text = await readFile(this.file, 'utf8');
      if (text !== this.last) {
        this.last = text;
        this.onChange(text);
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
