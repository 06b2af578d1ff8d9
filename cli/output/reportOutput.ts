import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { InputError } from "../errors.js";

const FLUSH_AT_CHARS = 64 * 1024;

/**
 * Where a report is written: text goes to the main stream in order, while a `deferred` section (for formats that
 * list failures after all resources) spills to a temporary file and is appended at the end. Memory stays flat
 * however many resources pass through.
 */
export class ReportOutput {
  private pending: string[] = [];
  private pendingChars = 0;
  private spillDir: string | undefined;
  private spillFd: number | undefined;

  private constructor(
    private readonly stream: Writable,
    private readonly ownsStream: boolean,
  ) {}

  /** Opens the file at once, so an unwritable path is a clear input error before any work is done. */
  static toFile(path: string): ReportOutput {
    let fd: number;
    try {
      fd = openSync(path, "w");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new InputError(`--output ${path}: cannot write (${code})`);
    }
    return new ReportOutput(createWriteStream(path, { fd }), true);
  }

  static toStream(stream: Writable): ReportOutput {
    return new ReportOutput(stream, false);
  }

  write(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
  }

  deferred(text: string): void {
    if (this.spillFd === undefined) {
      this.spillDir = mkdtempSync(join(tmpdir(), "vaultwatch-report-"));
      this.spillFd = openSync(join(this.spillDir, "deferred"), "w+");
    }
    writeSync(this.spillFd, text);
  }

  /** Writes what is pending once enough has gathered, honouring backpressure. */
  async flushIfFull(): Promise<void> {
    if (this.pendingChars >= FLUSH_AT_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingChars = 0;
    if (!this.stream.write(text)) await once(this.stream, "drain");
  }

  /** Appends the deferred section (written since by `deferred`) to the main stream, then `after`. */
  async appendDeferred(): Promise<void> {
    await this.flush();
    if (this.spillFd === undefined || this.spillDir === undefined) return;
    closeSync(this.spillFd);
    this.spillFd = undefined;
    for await (const chunk of createReadStream(join(this.spillDir, "deferred"), { encoding: "utf8" })) {
      if (!this.stream.write(chunk)) await once(this.stream, "drain");
    }
    this.discardSpill();
  }

  async close(): Promise<void> {
    await this.flush();
    this.discardSpill();
    if (this.ownsStream) {
      this.stream.end();
      await finished(this.stream);
    }
  }

  private discardSpill(): void {
    if (this.spillFd !== undefined) closeSync(this.spillFd);
    if (this.spillDir !== undefined) rmSync(this.spillDir, { recursive: true, force: true });
    this.spillFd = undefined;
    this.spillDir = undefined;
  }
}
