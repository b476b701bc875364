// Environment and runtime facts, read defensively: in a browser there is no `process`.
interface NodeLike {
  env?: Record<string, string | undefined>;
  versions?: { node?: string };
  platform?: string;
}

const proc = (globalThis as { process?: NodeLike }).process;

export function readEnv(name: string): string | undefined {
  const value = proc?.env?.[name]?.trim();
  return value ? value : undefined;
}

/** `node/<version>; <os>` under Node, undefined where the runtime forbids setting User-Agent. */
export function nodeRuntime(): string | undefined {
  const version = proc?.versions?.node;
  return version ? `node/${version}; ${proc?.platform ?? 'unknown'}` : undefined;
}
