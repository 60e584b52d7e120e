// Every /admin/* route, for the walk that holds each to "admins only" (admin-guard.test.ts).
// A route added under src/admin/ goes here too; the walk fails for a registered /admin route
// this table does not list. `body` is a valid sample, so a refusal cannot be a 422 instead.
export interface AdminRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** With any `{id}` filled by the walk with a random UUID. */
  path: string;
  body?: Record<string, unknown>;
}

export const ADMIN_ROUTES: AdminRoute[] = [
  { method: 'GET', path: '/admin/users' },
  { method: 'GET', path: '/admin/audit-log' },
  { method: 'PATCH', path: '/admin/users/{id}/role', body: { role: 'developer' } },
  {
    method: 'PATCH',
    path: '/admin/users/roles',
    body: { user_ids: ['00000000-0000-4000-8000-000000000000'], role: null },
  },
  { method: 'PATCH', path: '/admin/users/{id}/deactivate' },
  { method: 'PATCH', path: '/admin/users/{id}/reactivate' },
  { method: 'GET', path: '/admin/stats' },
  { method: 'GET', path: '/admin/queries' },
  { method: 'GET', path: '/admin/executions' },
  { method: 'GET', path: '/admin/errors' },
  { method: 'GET', path: '/admin/scheduler/jobs' },
  { method: 'POST', path: '/admin/tasks/{task_id}/execute' },
  { method: 'PATCH', path: '/admin/tasks/{task_id}/state', body: { state: 'paused' } },
  { method: 'DELETE', path: '/admin/tasks/{task_id}/reset' },
  { method: 'POST', path: '/admin/tasks/{task_id}/reset' },
  { method: 'GET', path: '/admin/waitlist' },
  { method: 'GET', path: '/admin/waitlist/stats' },
  { method: 'PATCH', path: '/admin/waitlist/{id}', body: { status: 'invited' } },
  { method: 'DELETE', path: '/admin/waitlist/{id}' },
];
