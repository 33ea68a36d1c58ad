/** Readers shared by the configuration modules: each reports a bad value through `bad` and never echoes it. */
type Bad = (name: string, why: string) => void;

/** An integer variable within [min, max], or the fallback when unset (or after reporting it as bad). */
export function intReader(env: Readonly<Record<string, string | undefined>>, bad: Bad) {
  return (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      bad(name, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
}

/** A configuration variable holding a JSON array: the parsed array, or undefined after reporting it as bad. */
export function jsonArray(name: string, raw: string, bad: Bad, shape = 'a JSON array'): unknown[] | undefined {
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
