// A real SMTP server on loopback (smtp-server, by nodemailer's authors) that parses what it
// receives with mailparser. It can refuse scripted transactions with an SMTP reply code,
// and go down (connections refused) and come back on the same port.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: ParsedMail['headers'];
  raw: ParsedMail;
}

export interface SmtpCatcher {
  /** smtp://127.0.0.1:port (or with user:pass when started with auth). */
  url: string;
  port: number;
  received: ReceivedEmail[];
  /** Reply codes for the next transactions' DATA, in order (e.g. 451, 550); then accepted. */
  refuse: number[];
  /** Transactions that reached DATA, accepted or not. */
  transactions: number;
  /** Stops listening: connections are refused until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtp(opts: { auth?: { user: string; pass: string } } = {}): Promise<SmtpCatcher> {
  const catcher: SmtpCatcher = {
    url: '',
    port: 0,
    received: [],
    refuse: [],
    transactions: 0,
    down: async () => {},
    up: async () => {},
    close: async () => {},
  };
  let server: SMTPServer;
  const make = () =>
    new SMTPServer({
      // Plain SMTP on loopback: no STARTTLS offered, so the client never needs a certificate.
      disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !opts.auth,
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username === opts.auth?.user && auth.password === opts.auth?.pass) cb(null, { user: auth.username });
        else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          catcher.transactions++;
          const code = catcher.refuse.shift();
          if (code !== undefined) {
            cb(
              Object.assign(new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: code }),
            );
            return;
          }
          const mail = await simpleParser(Buffer.concat(chunks));
          catcher.received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            messageId: mail.messageId ?? '',
            headers: mail.headers,
            raw: mail,
          });
          cb();
        });
      },
    });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server = make();
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  await listen(0);
  catcher.port = (server!.server.address() as AddressInfo).port;
  const creds = opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@` : '';
  catcher.url = `smtp://${creds}127.0.0.1:${catcher.port}`;
  catcher.down = stop;
  catcher.up = () => listen(catcher.port);
  catcher.close = stop;
  return catcher;
}

/** The 6-digit code of a verification email. */
export function codeIn(email: ReceivedEmail): string {
  const m = /\b(\d{6})\b/.exec(email.text);
  if (!m) throw new Error(`no code in: ${email.text}`);
  return m[1]!;
}
