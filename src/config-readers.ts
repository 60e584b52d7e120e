// Typed readers of environment settings. Each records a problem (and returns the default)
// instead of throwing, so loadConfig can report every bad setting at once.
export type Env = Record<string, string | undefined>;

export function envReaders(env: Env, problems: string[]) {
  const str = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return def;
    }
    return n;
  };
  const bool = (name: string): boolean => {
    const raw = str(name);
    if (raw === undefined) return false;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be 1 or 0 (got "${raw}")`);
    return false;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) {
        problems.push(`${name} must be a ${protocols.join(' or ')} URL`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };
  const hours = (name: string, def: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    if (/^\d{1,4}(\.\d+)?$/.test(raw) && Number(raw) <= 8760) return Number(raw);
    problems.push(`${name} must be a number of hours between 0 and 8760 (got "${raw}")`);
    return def;
  };
  const schedule = (name: string, def: readonly number[]): readonly number[] => {
    const raw = str(name);
    if (raw === undefined) return def;
    const parts = raw.split(',').map((p) => p.trim());
    const ok = parts.every((p) => /^\d{1,7}$/.test(p) && Number(p) <= 7 * 86400);
    if (ok && parts.length <= 20) return parts.map(Number);
    problems.push(`${name} must be 1 to 20 comma-separated whole seconds, each at most 604800 (got "${raw}")`);
    return def;
  };
  const list = (name: string): string[] =>
    (str(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const ports = (name: string, def: readonly number[]): readonly number[] => {
    const raw = str(name);
    if (raw === undefined) return def;
    const parts = list(name);
    if (parts.length > 0 && parts.length <= 20 && parts.every((p) => /^\d{1,5}$/.test(p) && +p >= 1 && +p <= 65535))
      return parts.map(Number);
    problems.push(`${name} must be 1 to 20 comma-separated TCP ports (got "${raw}")`);
    return def;
  };
  return { str, int, bool, url, hours, schedule, list, ports };
}
