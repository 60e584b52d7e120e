import type { Suite } from '../lib/context.js';
export const growthSuite: Suite = async () => ({ rows: [] });
