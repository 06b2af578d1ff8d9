/**
 * A fault injector for crash tests. Every dependency a handler awaits (Table Storage clients, the spool, the Logs
 * Ingestion client, the readers, the scope) is wrapped in a proxy that numbers each awaited call in order: each
 * promise-returning method call is one step, and so is each `next()` of an async iterator a method returns (a page
 * of Resource Graph, an entity of a table listing, a spooled batch). Nothing is listed by hand, so an await added
 * to a handler tomorrow is a new step the crash test fails at too.
 *
 * A run with no fault records the steps; a run with `failAt` makes that one step fail, either `before` it reaches
 * the service (its effect never happens, like a refused request) or `after` (its effect happened and the caller
 * never learns, like a crash right after a write was committed).
 */
export type FaultMode = "before" | "after";

export interface FaultPlan {
  readonly failAt: number;
  readonly mode: FaultMode;
}

export class InjectedFault extends Error {
  constructor(readonly step: number, readonly stepName: string, readonly mode: FaultMode) {
    super(`injected fault ${mode} step ${step} (${stepName})`);
  }
}

export class FaultInjector {
  /** The name of each step, in the order they were awaited. */
  readonly steps: string[] = [];
  /** Which step failed, once one did. */
  fired: { step: number; name: string } | undefined;

  /**
   * @param asyncNames methods known (from a recording run) to return promises or async iterables, so the `before`
   * mode can stop them before they are invoked; a recording run leaves it empty and learns it.
   */
  constructor(
    private readonly plan: FaultPlan | undefined,
    readonly asyncNames: Set<string> = new Set(),
  ) {}

  wrap<T extends object>(name: string, target: T): T {
    return new Proxy(target, {
      get: (object, property) => {
        const value = Reflect.get(object, property, object) as unknown;
        if (typeof value !== "function" || typeof property === "symbol" || property === "constructor") return value;
        const stepName = `${name}.${property}`;
        return (...args: unknown[]) => this.call(stepName, () => (value as (...a: unknown[]) => unknown).apply(object, args));
      },
    });
  }

  private next(stepName: string): { index: number; fault: FaultMode | undefined } {
    this.steps.push(stepName);
    const index = this.steps.length;
    const fault = this.plan !== undefined && this.plan.failAt === index ? this.plan.mode : undefined;
    if (fault !== undefined) this.fired = { step: index, name: stepName };
    return { index, fault };
  }

  private call(stepName: string, invoke: () => unknown): unknown {
    // A method known to be async takes its step number before it runs, so a `before` fault can keep it from running.
    if (this.asyncNames.has(stepName) && !this.asyncNames.has(`${stepName}#iterable`)) {
      const { index, fault } = this.next(stepName);
      if (fault === "before") return Promise.reject(new InjectedFault(index, stepName, fault));
      const result = invoke();
      return fault === "after" ? Promise.resolve(result).then(() => Promise.reject(new InjectedFault(index, stepName, fault))) : this.wrapResult(stepName, result);
    }
    const result = invoke();
    if (isThenable(result)) {
      this.asyncNames.add(stepName);
      const { index, fault } = this.next(stepName);
      if (fault !== undefined) return result.then(() => Promise.reject(new InjectedFault(index, stepName, fault)));
      return result.then((value) => this.wrapYielded(`${stepName}:result`, value));
    }
    return this.wrapResult(stepName, result);
  }

  private wrapResult(stepName: string, result: unknown): unknown {
    if (isThenable(result)) return result.then((value) => this.wrapYielded(`${stepName}:result`, value));
    if (isAsyncIterable(result)) {
      this.asyncNames.add(stepName);
      this.asyncNames.add(`${stepName}#iterable`);
      return this.iterable(stepName, result);
    }
    return result;
  }

  /** Objects handed back (a claimed spool batch with its settle methods) are wrapped too: their calls are steps. */
  private wrapYielded(stepName: string, value: unknown): unknown {
    if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date || value instanceof Uint8Array) return value;
    const hasMethods = Object.values(value).some((member) => typeof member === "function");
    return hasMethods ? this.wrap(stepName, value) : value;
  }

  private iterable(stepName: string, source: AsyncIterable<unknown>): AsyncIterable<unknown> {
    const step = (name: string) => this.next(name);
    const wrapItem = (value: unknown) => this.wrapYielded(`${stepName}:item`, value);
    return {
      [Symbol.asyncIterator]() {
        const iterator = source[Symbol.asyncIterator]();
        return {
          async next() {
            const { index, fault } = step(`${stepName}:next`);
            if (fault === "before") throw new InjectedFault(index, `${stepName}:next`, fault);
            const result = await iterator.next();
            if (fault === "after") throw new InjectedFault(index, `${stepName}:next`, fault);
            return result.done ? result : { done: false, value: wrapItem(result.value) };
          },
          async return(value?: unknown) {
            await iterator.return?.(value);
            return { done: true, value: undefined };
          },
        };
      },
    };
  }
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}
