// The way out for email: SMTP (nodemailer, one connection per message so a broken relay
// never poisons a pool), or the log (`SMTP_URL=log:`, for development: the message is
// written as text and nothing leaves the machine). Unset = no mailer: emails are recorded
// as skipped. A send answers what happened; it never throws.
import { createTransport } from 'nodemailer';
import type { Logger } from '../lib/logger.js';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  /** The same on every attempt, so a receiver can tell a retry from a new message. */
  messageId: string;
}

export interface SendOutcome {
  ok: boolean;
  /** The SMTP reply code of the failing (or final) command, when there was one. */
  responseCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface Mailer {
  readonly mode: 'smtp' | 'log';
  send(email: OutgoingEmail): Promise<SendOutcome>;
  close(): void;
}

export interface MailerOptions {
  smtpUrl: string | undefined;
  /** EMAIL_FROM; unset only with `SMTP_URL=log:` (or no SMTP_URL), where DEFAULT_FROM stands in. */
  from: string | undefined;
  timeoutMs: number;
}

export const DEFAULT_FROM = 'Torale <noreply@torale.localhost>';

/** An SMTP error as one line: the relay's own words, never the credentials in the URL. */
function describe(err: unknown): { responseCode: number | null; error: string } {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  const words = (e.response ?? e.message ?? String(err)).replace(/\s+/g, ' ').trim().slice(0, 500);
  return { responseCode, error: e.code && !words.includes(e.code) ? `${e.code}: ${words}` : words };
}

export function createMailer(opts: MailerOptions, logger: Logger): Mailer | undefined {
  if (!opts.smtpUrl) return undefined;
  if (opts.smtpUrl.startsWith('log:')) {
    return {
      mode: 'log',
      async send(email) {
        logger.info(
          { email: { to: email.to, subject: email.subject, messageId: email.messageId } },
          `email (SMTP_URL=log:, not sent)\nTo: ${email.to}\nSubject: ${email.subject}\n\n${email.text}`,
        );
        return { ok: true, responseCode: null, error: null, durationMs: 0 };
      },
      close() {},
    };
  }
  const transport = createTransport(
    {
      url: opts.smtpUrl,
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
      dnsTimeout: opts.timeoutMs,
    },
    { from: opts.from ?? DEFAULT_FROM },
  );
  return {
    mode: 'smtp',
    async send(email) {
      const started = performance.now();
      const durationMs = () => Math.round(performance.now() - started);
      try {
        const info = await transport.sendMail({
          to: email.to,
          subject: email.subject,
          text: email.text,
          html: email.html,
          headers: email.headers,
          messageId: email.messageId,
        });
        // One recipient: accepted, or the relay's refusal of it.
        if (info.rejected.length > 0) {
          const why = (info as { rejectedErrors?: unknown[] }).rejectedErrors?.[0];
          return { ok: false, ...describe(why ?? new Error('Recipient rejected')), durationMs: durationMs() };
        }
        const code = /^(\d{3})/.exec(info.response ?? '')?.[1];
        return { ok: true, responseCode: code ? Number(code) : null, error: null, durationMs: durationMs() };
      } catch (err) {
        return { ok: false, ...describe(err), durationMs: durationMs() };
      }
    },
    close() {
      transport.close();
    },
  };
}
