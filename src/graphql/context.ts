import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../container.js';

export interface GraphQLContext {
  viewer: Viewer;
  services: Services;
}
