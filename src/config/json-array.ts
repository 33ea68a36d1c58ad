/** A configuration variable holding a JSON array: the parsed array, or undefined after reporting it as bad. */
export function jsonArray(name: string, raw: string, bad: (name: string, why: string) => void, shape = 'a JSON array'): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed)) return parsed;
  bad(name, `must be ${shape}`);
  return undefined;
}
