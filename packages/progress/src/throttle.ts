// At most one report per interval, per key (a video, a training run).

export class Throttle {
  readonly #last = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /**
   * Whether `key` reports now: the first time, once `intervalMs` have passed since it last did, or
   * when `force` is set (a final step); a yes counts as its last report.
   */
  ready(key = '', force = false, now = Date.now()): boolean {
    if (!force && now - (this.#last.get(key) ?? 0) < this.intervalMs) return false;
    this.#last.set(key, now);
    return true;
  }
}
