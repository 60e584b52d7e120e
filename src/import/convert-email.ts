// Torale's email records → the gateway's: notification_sends (one row per condition-met email
// Torale sent, skipped or failed) become email_sends, so the history and the spam limits (per
// user a day, per recipient an hour) count them as before; email_verifications keep verified
// addresses' history and codes still usable. Torale stores codes in plain text; the gateway
// keeps only a bcrypt hash, so a code still pending is hashed here.
import bcrypt from 'bcrypt';
import type { ConvertContext, Converted } from './convert.js';
import type { ToraleEmailVerification, ToraleNotificationSend } from './torale.types.js';

const STATUS: Record<string, string> = { success: 'delivered', failed: 'failed', skipped: 'skipped' };
/** Stands for a code nobody can enter any more (the address is verified). */
export const VERIFIED_CODE = 'imported-from-torale:verified';
const CODE_COST = 10;

export function convertNotificationSend(n: ToraleNotificationSend, ctx: ConvertContext): Converted {
  if (ctx.skipped.users.has(n.user_id)) return { skip: 'its user was not carried over' };
  if (n.notification_type !== 'email') return { skip: `a "${n.notification_type}" send (only emails are recorded)` };
  const status = STATUS[n.status];
  if (!status) return { skip: `unknown status "${n.status}"` };
  const at = n.created_at;
  if (!at) return { skip: 'no time' };
  const notes: string[] = [];
  const taskId = n.task_id && !ctx.skipped.tasks.has(n.task_id) ? n.task_id : null;
  if (n.task_id && !taskId) notes.push('its task was not carried: kept for the spam limits, without the task');
  return {
    notes,
    row: {
      id: n.id,
      user_id: ctx.userId(n.user_id),
      task_id: taskId,
      execution_id: n.execution_id && !ctx.skipped.executions.has(n.execution_id) ? n.execution_id : null,
      verification_id: null,
      kind: 'condition_met',
      recipient: n.recipient_email,
      // Torale keeps neither the subject nor the message of what it sent.
      subject: '',
      message: null,
      message_id: `<${n.id}@torale-import>`,
      status,
      reason: n.error_message,
      attempts: status === 'skipped' ? 0 : 1,
      created_at: at,
      delivered_at: status === 'delivered' ? at : null,
      ended_at: at,
    },
  };
}

export function convertEmailVerification(v: ToraleEmailVerification, ctx: ConvertContext): Converted {
  if (ctx.skipped.users.has(v.user_id)) return { skip: 'its user was not carried over' };
  const verified = v.verified === true || v.verified_at !== null;
  const created = v.created_at ?? v.expires_at;
  if (!verified && Date.parse(v.expires_at) <= Date.now()) {
    return { skip: 'an expired, unused verification code (nothing left to finish)' };
  }
  return {
    row: {
      id: v.id,
      user_id: ctx.userId(v.user_id),
      email: v.email,
      code_hash: verified ? VERIFIED_CODE : bcrypt.hashSync(v.verification_code, CODE_COST),
      expires_at: v.expires_at,
      attempts: v.attempts ?? 0,
      verified_at: verified ? (v.verified_at ?? created) : null,
      created_at: created,
    },
  };
}
