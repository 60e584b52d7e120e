// Whether a host name or address is this machine's loopback: the dev user (TORALE_NOAUTH)
// exists only there, so both the config check and the request check ask the same question.
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
