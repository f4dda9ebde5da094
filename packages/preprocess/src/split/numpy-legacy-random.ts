// NumPy's legacy RandomState (MT19937), just the part iCatcher+'s split uses:
// np.random.seed(int) followed by np.random.choice(n_or_array, size, replace=False), which is
// permutation(n)[:size] with the legacy shuffle and bounded-integer draw.

const N = 624;
const M = 397;

/** `np.random.RandomState(seed)` with an integer seed in [0, 2**32). */
export class LegacyRandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2**32), got ${seed}`);
    // init_genrand (numpy's mt19937_seed)
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i += 1) {
      const prev = this.mt[i - 1] as number;
      const x = (prev ^ (prev >>> 30)) >>> 0;
      // 1812433253 * x + i (mod 2**32), split to stay exact in doubles
      this.mt[i] = ((((x & 0xffff0000) >>> 16) * 1812433253) << 16) + (x & 0x0000ffff) * 1812433253 + i;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i += 1) {
      const y = ((mt[i] as number) & 0x80000000) | ((mt[(i + 1) % N] as number) & 0x7fffffff);
      mt[i] = (mt[(i + M) % N] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** The next 32-bit output (genrand_int32). */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in [0, max] by masked rejection (numpy's random_interval, 32-bit path). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    for (let shift = 1; shift <= 16; shift *= 2) mask |= mask >>> shift;
    mask >>>= 0;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** `permutation(n)`: arange(n) shuffled by the legacy Fisher-Yates (from the end). */
  permutation(n: number): number[] {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i >= 1; i -= 1) {
      const j = this.interval(i);
      [a[i], a[j]] = [a[j] as number, a[i] as number];
    }
    return a;
  }

  /** `choice(items, size, replace=False)` without probabilities. */
  choiceWithoutReplacement<T>(items: readonly T[], size: number): T[] {
    if (size > items.length) throw new RangeError(`cannot take a larger sample (${size}) than the population (${items.length}) without replacement`);
    return this.permutation(items.length).slice(0, size).map((i) => items[i] as T);
  }
}
