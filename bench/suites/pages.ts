import type { Suite } from '../lib/context.js';
export const pagesSuite: Suite = async () => ({ rows: [] });
