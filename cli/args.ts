/**
 * Parses `--name value` / `--name=value` options, `--flag` switches (named in `flags`, taking no value) and
 * positional arguments.
 */
export function parseArgs(
  argv: string[],
  known: string[],
  flags: string[] = [],
): { options: Record<string, string>; positional: string[]; flags: Set<string> } {
  const options: Record<string, string> = {};
  const positional: string[] = [];
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (flags.includes(name)) {
      if (eq > 0) throw new Error(`option --${name} takes no value`);
      given.add(name);
      continue;
    }
    if (!known.includes(name))
      throw new Error(`unknown option --${name}; known: ${[...known, ...flags].map((k) => '--' + k).join(', ') || 'none'}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`option --${name} needs a value`);
    options[name] = value;
  }
  return { options, positional, flags: given };
}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`port must be a number from 0 to 65535; received ${JSON.stringify(text)}`);
  return port;
}
