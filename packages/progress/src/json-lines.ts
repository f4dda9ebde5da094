// Progress for logs and other programs: one JSON object per line.

export class JsonLines {
  constructor(private readonly out: NodeJS.WritableStream) {}

  write(record: object): void {
    this.out.write(`${JSON.stringify(record)}\n`);
  }
}
