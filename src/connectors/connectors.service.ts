// Connected tools (Notion, Linear, GitHub… upstream) are not part of this gateway: every
// user has none, and tasks cannot attach any.
import { requireUser, type Viewer } from '../auth/viewer.js';
import { Errors } from '../errors.js';

export const CONNECTORS_UNSUPPORTED =
  'Connectors are not supported by this gateway: attached_connector_slugs must be empty';

export type ConnectorsService = ReturnType<typeof createConnectorsService>;

/** Refuses a task that would attach connectors (the dashboard always sends an empty list). */
export function ensureNoConnectors(slugs: readonly string[] | undefined): void {
  if (slugs !== undefined && slugs.length > 0) throw Errors.badRequest(CONNECTORS_UNSUPPORTED);
}

export function createConnectorsService() {
  return {
    /** Toolkits that can be connected (Torale's `/connectors/available`): none here. */
    available(viewer: Viewer): never[] {
      requireUser(viewer);
      return [];
    },

    /** The viewer's connected tools: none. */
    list(viewer: Viewer): never[] {
      requireUser(viewer);
      return [];
    },
  };
}
