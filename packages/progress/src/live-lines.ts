// A terminal's live block: lines redrawn in place at the bottom (bars), with permanent lines written
// above them (a finished video, an epoch's summary). The cursor stays below the block, so output
// after the last redraw starts on a fresh line.
import { Throttle } from './throttle';

export class LiveLines {
  /** lines of the block now on screen */
  #drawn = 0;
  readonly #throttle: Throttle;

  /** `lines` gives the block's current lines; redraws happen at most every `intervalMs` unless forced. */
  constructor(private readonly out: NodeJS.WriteStream, private readonly lines: () => string[], intervalMs = 100) {
    this.#throttle = new Throttle(intervalMs);
  }

  /** Redraws the block (skipped within the interval of the last redraw unless `force`). */
  draw(force = false): void {
    if (!this.#throttle.ready('', force)) return;
    const lines = this.lines();
    const width = this.out.columns || 100; // 0 when the terminal does not say
    let text = this.#drawn > 0 ? `\x1b[${this.#drawn}F` : '';
    text += lines.map((l) => `\x1b[2K${l.slice(0, width - 1)}`).join('\n');
    // Clear lines left over from a taller previous block.
    const extra = Math.max(0, this.#drawn - lines.length);
    if (extra > 0) text += `${lines.length > 0 ? '\n' : ''}\x1b[0J`;
    if (lines.length > 0) text += '\n';
    if (text !== '') this.out.write(text);
    this.#drawn = lines.length + (extra > 0 && lines.length > 0 ? 1 : 0);
  }

  /** A permanent line above the block, which is redrawn under it. */
  log(line: string): void {
    this.out.write(`${this.#drawn > 0 ? `\x1b[${this.#drawn}F\x1b[0J` : ''}${line}\n`);
    this.#drawn = 0;
    this.draw(true);
  }
}
