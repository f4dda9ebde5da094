/** A coding file that cannot be read as claimed; the message names the file (and line) and the problem. */
export class AnnotationError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${problem}`);
    this.name = 'AnnotationError';
  }
}
