// One progress bar per bench stage on stderr: redrawn in place at a terminal, a start and an end line otherwise
// (CI logs stay readable).

const WIDTH = 24;

export class ProgressBar {
  private lastDraw = 0;

  constructor(private readonly label: string, private readonly interactive: boolean, private readonly write: (text: string) => void) {
    if (interactive) this.draw(0, '');
    else write(`${label} ...\n`);
  }

  /** `fraction` of the stage's time gone (0..1), with a short status. Redraws at most 10 times a second. */
  update(fraction: number, status: string): void {
    if (!this.interactive) return;
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.draw(fraction, status);
  }

  done(summary: string): void {
    if (this.interactive) this.write(`\r\x1b[2K${this.label} ${'█'.repeat(WIDTH)} ${summary}\n`);
    else this.write(`${this.label}: ${summary}\n`);
  }

  private draw(fraction: number, status: string): void {
    const filled = Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
    this.write(`\r\x1b[2K${this.label} ${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)} ${Math.round(fraction * 100)}% ${status}`);
  }
}
