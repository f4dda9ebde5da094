// The demo's output: numbered stages, each with its progress lines and its time.

export class StageLog {
  #stage = 0;
  #started = Date.now();
  readonly #begun = Date.now();

  constructor(
    private readonly stages: number,
    private readonly write: (line: string) => void,
  ) {}

  /** Starts the next stage. */
  begin(name: string, detail: string): void {
    this.#stage += 1;
    this.#started = Date.now();
    this.write(`[${this.#stage}/${this.stages}] ${name}: ${detail}`);
  }

  /** A progress line inside the current stage. */
  progress(line: string): void {
    this.write(`      ${line}`);
  }

  /** Ends the current stage with its result. */
  end(result: string): void {
    this.write(`      done in ${this.#seconds(this.#started)}: ${result}`);
  }

  line(text: string): void {
    this.write(text);
  }

  /** Seconds since the demo began, e.g. "183.2 s". */
  total(): string {
    return this.#seconds(this.#begun);
  }

  elapsedSeconds(): number {
    return (Date.now() - this.#begun) / 1000;
  }

  #seconds(since: number): string {
    return `${((Date.now() - since) / 1000).toFixed(1)} s`;
  }
}
