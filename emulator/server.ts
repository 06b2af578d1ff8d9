import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TokenCredential } from "@azure/core-auth";
import { generateLoopbackCertificate } from "./certificate.js";
import { RequestCounters } from "./counters.js";
import { staticCredential } from "./credential.js";
import { Dispatcher } from "./dispatcher.js";
import { Estate } from "./estate.js";
import { type GenerateEstateOptions, generateEstate } from "./generateEstate.js";
import { type EmulatorRequest, type EmulatorResponse, errorResponse, pathSegments, requestIdHeaders } from "./http.js";
import { type DataCollectionRules, IngestionLedger } from "./ingestion.js";
import { applyKnobOverrides, defaultKnobs, type KnobOverrides, type Knobs } from "./knobs.js";
import { parseKnobOverrides } from "./knobsSchema.js";
import { seededRandom } from "./random.js";

export interface EmulatorOptions {
  /** A ready estate, or how to generate one. Default: a small generated estate (20 resources, 2 subscriptions). */
  readonly estate?: Estate | GenerateEstateOptions;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Seed of the generator that decides which requests a fault `rate` hits. */
  readonly faultSeed?: number;
  readonly knobs?: KnobOverrides;
  /** Data collection rules and their stream columns; without them every `dcr-…`/`Custom-…` pair is accepted. */
  readonly dataCollectionRules?: DataCollectionRules;
  /** Largest request body read from the wire; bigger bodies get 413 before any handler runs. */
  readonly maxBodyBytes?: number;
  /**
   * The clock Resource Graph quota windows and ARM read buckets run on, in milliseconds (default `Date.now`). A test
   * that asserts throttling passes its own, so a slow machine (requests far apart) cannot refill a bucket under it.
   */
  readonly throttleClock?: () => number;
}

/** Options every Azure SDK client needs to talk to the emulator: endpoint, trust in its certificate, fast retries. */
export interface EmulatorClientOptions {
  endpoint: string;
  tlsOptions: { ca: string };
  retryOptions: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
}

export interface Emulator {
  /** `https://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** The self-signed certificate, to trust through `tlsOptions.ca` or `NODE_EXTRA_CA_CERTS`. */
  readonly caPem: string;
  /** Returns the same bearer token forever; the emulator accepts any bearer token. */
  readonly credential: TokenCredential;
  clientOptions(): EmulatorClientOptions;
  readonly ledger: IngestionLedger;
  readonly counters: RequestCounters;
  readonly knobs: Knobs;
  readonly estate: Estate;
  /** Forgets Resource Graph quota windows and ARM read buckets, e.g. between test cases. */
  resetThrottles(): void;
  stop(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 8 * 1_048_576;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const certificate = await generateLoopbackCertificate();
  const estate =
    options.estate instanceof Estate ? options.estate : generateEstate(options.estate ?? { resources: 20, subscriptions: 2, seed: 1 }).estate;
  const knobs = defaultKnobs();
  if (options.knobs !== undefined) applyKnobOverrides(knobs, options.knobs);
  const counters = new RequestCounters();
  const ledger = new IngestionLedger();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const server: Server = createServer({ key: certificate.keyPem, cert: certificate.certPem, keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `https://127.0.0.1:${port}`;
  const dispatcher = new Dispatcher({
    estate,
    knobs,
    counters,
    ledger,
    random: seededRandom(options.faultSeed ?? 7),
    origin,
    ...(options.throttleClock === undefined ? {} : { throttleClock: options.throttleClock }),
    dataCollectionRules: options.dataCollectionRules,
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    void serve(req, res, dispatcher, origin, maxBodyBytes, { counters, knobs, dispatcher });
  });
  const credential = staticCredential();

  return {
    url: origin,
    caPem: certificate.certPem,
    credential,
    clientOptions: () => ({
      endpoint: origin,
      tlsOptions: { ca: certificate.certPem },
      retryOptions: { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200 },
    }),
    ledger,
    counters,
    knobs,
    estate,
    resetThrottles: () => dispatcher.resetThrottles(),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface AdminState {
  readonly counters: RequestCounters;
  readonly knobs: Knobs;
  readonly dispatcher: Dispatcher;
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  dispatcher: Dispatcher,
  origin: string,
  maxBodyBytes: number,
  admin: AdminState,
): Promise<void> {
  try {
    const body = await readBody(req, maxBodyBytes);
    // Concatenate rather than resolve: a path starting `//` (the monitor SDKs' leading-slash bug) would
    // otherwise be read as a protocol-relative URL with `subscriptions` as its host.
    const url = new URL(`${origin}${req.url ?? "/"}`);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    if (body === "tooLarge") {
      write(res, errorResponse(413, "ContentLengthLimitExceeded", `The request body exceeds ${maxBodyBytes} bytes.`));
      return;
    }
    const request: EmulatorRequest = { method: req.method ?? "GET", url, segments: pathSegments(url.pathname), headers, body, insideBatch: false };
    if (request.segments[0] === "_emulator") {
      write(res, handleAdmin(request, admin));
      return;
    }
    const result = await dispatcher.dispatch(request);
    if (result === "connectionReset") {
      req.socket.destroy();
      return;
    }
    write(res, result);
  } catch (error) {
    if (!res.headersSent) {
      write(res, errorResponse(500, "InternalServerError", `Emulator failure: ${error instanceof Error ? error.message : String(error)}`));
    } else {
      res.destroy();
    }
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "tooLarge"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? "tooLarge" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function write(res: ServerResponse, response: EmulatorResponse): void {
  const headers: Record<string, string> = { ...requestIdHeaders(), ...response.headers };
  if (response.json !== undefined && response.status !== 204) {
    const text = JSON.stringify(response.json);
    headers["content-type"] = "application/json; charset=utf-8";
    headers["content-length"] = String(Buffer.byteLength(text));
    res.writeHead(response.status, headers);
    res.end(text);
    return;
  }
  headers["content-length"] = "0";
  res.writeHead(response.status, headers);
  res.end();
}

/**
 * `/_emulator/...`: counters and knobs for a standalone emulator (the CLI, the benchmark's child process).
 * Not counted, not throttled, never faulted.
 */
function handleAdmin(request: EmulatorRequest, admin: AdminState): EmulatorResponse {
  const route = `${request.method} /${request.segments.join("/")}`;
  switch (route) {
    case "GET /_emulator/counters":
      return { status: 200, json: admin.counters.snapshot() };
    case "POST /_emulator/counters/reset":
      admin.counters.reset();
      return { status: 204 };
    case "POST /_emulator/throttles/reset":
      admin.dispatcher.resetThrottles();
      return { status: 204 };
    case "GET /_emulator/knobs":
      return { status: 200, json: admin.knobs };
    case "PATCH /_emulator/knobs": {
      const parsed = parseKnobOverrides(request.body.toString("utf8"));
      if (typeof parsed === "string") return errorResponse(400, "InvalidKnobs", parsed);
      applyKnobOverrides(admin.knobs, parsed);
      return { status: 200, json: admin.knobs };
    }
    default:
      return errorResponse(404, "NoRouteFound", `Unknown emulator admin route ${route}.`);
  }
}
