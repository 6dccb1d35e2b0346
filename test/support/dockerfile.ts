/** One Dockerfile instruction: its keyword, its flags (`--from=build`), and its arguments. */
export interface Instruction {
  readonly keyword: string;
  readonly flags: Readonly<Record<string, string>>;
  /** The JSON (exec) form's array, or the shell form's words. */
  readonly args: readonly string[];
  /** Whether the arguments were in the JSON (exec) form. */
  readonly json: boolean;
  /** The arguments as written. */
  readonly raw: string;
}

/** One build stage: from `FROM` to the next. */
export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: readonly Instruction[];
}

/**
 * Enough of the Dockerfile grammar to check one without a Docker engine: comments, line
 * continuations, flags, the exec (JSON) and shell forms, stages. Not variables, not heredocs.
 */
export function parseDockerfile(text: string): { readonly args: Instruction[]; readonly stages: Stage[] } {
  const lines = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const args: Instruction[] = [];
  const stages: { from: string; name?: string; instructions: Instruction[] }[] = [];
  for (const line of lines) {
    const instruction = parseInstruction(line);
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args;
      stages.push({ from: image, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
    } else if (stages.length === 0) {
      args.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

function parseInstruction(line: string): Instruction {
  const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
  const flags: Record<string, string> = {};
  let raw = rest;
  for (let match = /^--([a-z-]+)=(\S+)\s+/.exec(raw); match; match = /^--([a-z-]+)=(\S+)\s+/.exec(raw)) {
    flags[match[1]!] = match[2]!;
    raw = raw.slice(match[0].length);
  }
  const upper = keyword.toUpperCase();
  // HEALTHCHECK's options come before its CMD.
  if (upper === 'HEALTHCHECK') {
    const cmd = /\bCMD\s+(.*)$/.exec(raw);
    return { keyword: upper, flags, ...argsOf(cmd?.[1] ?? raw), raw };
  }
  return { keyword: upper, flags, ...argsOf(raw), raw };
}

function argsOf(raw: string): { args: string[]; json: boolean } {
  if (raw.startsWith('[')) {
    try {
      return { args: JSON.parse(raw) as string[], json: true };
    } catch {
      // not JSON after all: the shell form
    }
  }
  return { args: raw.split(/\s+/).filter(Boolean), json: false };
}
