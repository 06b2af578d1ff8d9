import { closeSync, createReadStream, createWriteStream, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { InputError } from "../errors.js";

const FLUSH_AT_CHARS = 64 * 1024;

/**
 * Where a report is written. Text is staged in a temporary file and reaches its destination (standard output or the
 * `--output` file) only when the run succeeds (`commit`): a run that fails half-way writes nothing, so a pipeline
 * never reads a report header followed by an error. A `deferred` section (for formats that list failures after all
 * resources) spills to a second temporary file and is appended at the end. Memory stays flat whatever the estate's size.
 */
export class ReportOutput {
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly tempDir = mkdtempSync(join(tmpdir(), "vaultwatch-report-"));
  private readonly stagingFd = openSync(join(this.tempDir, "report"), "w+");
  private deferredFd: number | undefined;
  private settled = false;

  private constructor(private readonly destination: { stream: Writable } | { path: string; createdHere: boolean }) {}

  /**
   * Checks at once that the file can be written, so an unwritable path is a clear input error before any work is
   * done; the file itself is replaced only when the report is complete.
   */
  static toFile(path: string): ReportOutput {
    const existed = existsSync(path);
    try {
      closeSync(openSync(path, "a"));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new InputError(`--output ${path}: cannot write (${code}${code === "ENOENT" ? ": the folder does not exist" : ""})`);
    }
    return new ReportOutput({ path, createdHere: !existed });
  }

  static toStream(stream: Writable): ReportOutput {
    return new ReportOutput({ stream });
  }

  write(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
  }

  deferred(text: string): void {
    this.deferredFd ??= openSync(join(this.tempDir, "deferred"), "w+");
    writeSync(this.deferredFd, text);
  }

  /** Stages what is pending once enough has gathered. */
  async flushIfFull(): Promise<void> {
    if (this.pendingChars >= FLUSH_AT_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    writeSync(this.stagingFd, this.pending.join(""));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Appends the deferred section (written since by `deferred`) to the report. */
  async appendDeferred(): Promise<void> {
    await this.flush();
    if (this.deferredFd === undefined) return;
    copyFile(this.deferredFd, this.stagingFd);
    closeSync(this.deferredFd);
    this.deferredFd = undefined;
    rmSync(join(this.tempDir, "deferred"), { force: true });
  }

  /** The run succeeded: the whole report goes to its destination, honouring backpressure. */
  async commit(): Promise<void> {
    if (this.settled) return;
    await this.flush();
    this.settled = true;
    const target = "stream" in this.destination ? this.destination.stream : createWriteStream(this.destination.path);
    try {
      for await (const chunk of createReadStream(join(this.tempDir, "report"), { encoding: "utf8" })) {
        if (!target.write(chunk)) await once(target, "drain");
      }
      if (!("stream" in this.destination)) {
        target.end();
        await finished(target);
      }
    } finally {
      this.cleanUp();
    }
  }

  /** The run failed: nothing reaches the destination, and a file this run created is removed. */
  discard(): void {
    if (this.settled) return;
    this.settled = true;
    this.cleanUp();
    if ("path" in this.destination && this.destination.createdHere) rmSync(this.destination.path, { force: true });
  }

  private cleanUp(): void {
    closeSync(this.stagingFd);
    if (this.deferredFd !== undefined) closeSync(this.deferredFd);
    this.deferredFd = undefined;
    rmSync(this.tempDir, { recursive: true, force: true });
  }
}

/** Appends everything in `fromFd` (from its start) to `toFd`. */
function copyFile(fromFd: number, toFd: number): void {
  const buffer = Buffer.alloc(FLUSH_AT_CHARS);
  for (let position = 0; ; ) {
    const read = readSync(fromFd, buffer, 0, buffer.length, position);
    if (read === 0) return;
    writeSync(toFd, buffer, 0, read);
    position += read;
  }
}
