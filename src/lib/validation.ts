// Input checks shared by REST and GraphQL, reported in FastAPI's shape so REST clients of
// the documented API see the same 422 bodies as before.
import { Errors, type ValidationIssue } from '../errors.js';

export class Issues {
  readonly list: ValidationIssue[] = [];

  add(type: string, loc: (string | number)[], msg: string): void {
    this.list.push({ type, loc, msg });
  }

  /** A trimmed string of bounded length, or an issue. */
  string(value: unknown, loc: (string | number)[], min: number, max: number): string | undefined {
    if (typeof value !== 'string') {
      this.add('string_type', loc, 'Input should be a valid string');
      return undefined;
    }
    const v = value.trim();
    if (v.length < min) {
      this.add('string_too_short', loc, `String should have at least ${min} character${min === 1 ? '' : 's'}`);
      return undefined;
    }
    if (v.length > max) {
      this.add('string_too_long', loc, `String should have at most ${max} characters`);
      return undefined;
    }
    return v;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw Errors.validation(this.list);
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID_RE.test(s);
