import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../container.js';

export interface GraphQLContext {
  viewer: Viewer;
  services: Services;
  /** The client's address (after TRUST_PROXY): one anonymous viewer of a public task. */
  address: string;
  /** The client's User-Agent (for the security log). */
  userAgent?: string | undefined;
}
