// Reading a Dockerfile and a .dockerignore as Docker does, for what can be checked without a Docker
// engine (scripts/test/docker.test.ts): instructions with their continuation lines joined, and the
// build context's include/exclude rules.

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
}

export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    // A comment line inside a continued instruction is dropped, as Docker does.
    if (pending !== '' && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    const space = whole.search(/\s/);
    instructions.push({ keyword: whole.slice(0, space).toUpperCase(), args: whole.slice(space + 1).trim() });
  }
  return instructions;
}

/** An instruction's arguments in exec form (a JSON array), or undefined in shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
}

export interface Copy {
  /** The stage named by --from, or undefined for the build context. */
  from: string | undefined;
  sources: string[];
  destination: string;
}

export function copyOf(args: string): Copy {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

/** Flags of HEALTHCHECK (--interval=…) and its command. */
export function healthcheckOf(args: string): { options: Record<string, string>; command: string[] | undefined } {
  const options: Record<string, string> = {};
  let rest = args;
  for (let match = /^--([a-z-]+)=(\S+)\s+/.exec(rest); match; match = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    options[match[1]!] = match[2]!;
    rest = rest.slice(match[0].length);
  }
  if (!rest.startsWith('CMD ')) return { options, command: undefined };
  return { options, command: execForm(rest.slice('CMD '.length).trim()) };
}

/**
 * Whether a path of the build context reaches the builder under these .dockerignore rules: the last
 * rule matching the path or one of its parent folders decides, `!` letting it back in.
 */
export function inBuildContext(ignore: string, path: string): boolean {
  const rules = ignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ include: line.startsWith('!'), pattern: patternOf(line.replace(/^!/, '').replace(/^\/+/, '')) }));
  const segments = path.split('/');
  const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let included = true;
  for (const rule of rules) {
    if (prefixes.some((prefix) => rule.pattern.test(prefix))) included = rule.include;
  }
  return included;
}

function patternOf(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of folders, none included.
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
