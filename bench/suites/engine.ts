import type { Suite } from '../lib/context.js';
export const enginesSuite: Suite = async () => ({ rows: [] });
