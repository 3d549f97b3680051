// Shared by gateway-events/message/echo.ts and greet.ts: handlers import lib/ modules by relative path.
export function stamp(text: string): string {
  return `[${new Date().toISOString()}] ${text}`;
}

export function titleCase(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1).toLowerCase())
    .join(' ');
}
