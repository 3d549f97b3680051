// Runs INSIDE the isolate: printf-style formatting for the Logger's *f methods.

const stringify = JSON.stringify;

export function formatPrintf(format: string, args: readonly unknown[]): string {
  let next = 0;
  return String(format).replace(/%(\.(\d+))?([sdifxjo%])/g, (match, _p, precision: string | undefined, conversion: string) => {
    if (conversion === '%') return '%';
    if (next >= args.length) return match;
    const arg = args[next++];
    switch (conversion) {
      case 's':
        return String(arg);
      case 'd':
      case 'i':
        return String(Math.trunc(Number(arg)));
      case 'f':
        return precision !== undefined ? Number(arg).toFixed(Number(precision)) : String(Number(arg));
      case 'x':
        return Math.trunc(Number(arg)).toString(16);
      default:
        try {
          return stringify(arg) ?? String(arg);
        } catch {
          return String(arg);
        }
    }
  });
}

export function messageText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    const json = stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}
